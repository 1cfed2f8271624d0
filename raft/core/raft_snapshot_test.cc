// Snapshots: compaction, InstallSnapshot to lagging followers, restart from a snapshot.

#include <gtest/gtest.h>

#include "raft/core/testing/test_cluster.h"

namespace curve::raft {
namespace {

using testing::TestCluster;

std::vector<std::string> Range(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("e" + std::to_string(i));
  return out;
}

TEST(RaftSnapshotTest, LaggingFollowerIsCaughtUpBySnapshot) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  c.Isolate(3);
  for (const std::string& d : Range(20)) ASSERT_TRUE(c.core(1).Propose(d).ok());
  c.Stabilize();
  c.SnapshotAndCompact(1);
  ASSERT_GT(c.node(1).disk.FirstIndex(), 2u);
  c.Heal();
  for (int i = 0; i < 5; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ(c.node(3).applied, Range(20));
  EXPECT_EQ(c.node(3).disk.LatestSnapshotMeta().index, c.node(1).disk.LatestSnapshotMeta().index);
  // Replication continues from the log after the snapshot.
  ASSERT_TRUE(c.Propose(1, "after").ok());
  c.TickAll();
  c.Stabilize();
  EXPECT_EQ(c.node(3).applied.back(), "after");
}

TEST(RaftSnapshotTest, FailedTransferIsRetried) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  c.Isolate(3);
  for (const std::string& d : Range(5)) ASSERT_TRUE(c.core(1).Propose(d).ok());
  c.Stabilize();
  c.SnapshotAndCompact(1);
  c.Heal();
  c.TickAll();
  bool snapshot_sent = false;
  for (int i = 0; i < 6 && !snapshot_sent; ++i) {
    c.DeliverQueued();  // heartbeat, its response, a probe, its rejection
    c.ProcessReadies();
    for (const Message& m : c.queue()) snapshot_sent |= m.type == MessageType::kSnapshot;
  }
  ASSERT_TRUE(snapshot_sent);
  c.Cut(1, 3);
  c.DeliverQueued();  // the transfer fails; the harness reports it
  c.Heal();
  for (int i = 0; i < 5; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ(c.node(3).applied, Range(5));
}

TEST(RaftSnapshotTest, RestartRestoresFromSnapshotAndReplaysTheRest) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  for (const std::string& d : Range(4)) ASSERT_TRUE(c.Propose(1, d).ok());
  c.TickAll();
  c.Stabilize();
  c.SnapshotAndCompact(2);
  ASSERT_TRUE(c.Propose(1, "tail").ok());
  c.TickAll();
  c.Stabilize();
  c.Crash(2);
  c.Restart(2);
  EXPECT_EQ(c.node(2).applied, Range(4)) << "state machine restored from the snapshot";
  c.TickAll();
  c.Stabilize();
  std::vector<std::string> want = Range(4);
  want.push_back("tail");
  EXPECT_EQ(c.node(2).applied, want);
}

TEST(RaftSnapshotTest, StaleSnapshotIsAcknowledgedWithoutRestoring) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  for (const std::string& d : Range(3)) ASSERT_TRUE(c.Propose(1, d).ok());
  c.TickAll();
  c.Stabilize();
  Index commit = c.core(2).GetStatus().commit;
  Message m{.type = MessageType::kSnapshot, .from = 1, .to = 2, .term = c.core(1).term()};
  m.snapshot = Snapshot{SnapshotMeta{2, 1, c.core(1).GetStatus().config}, "old"};
  ASSERT_TRUE(c.core(2).Step(m).ok());
  Ready rd = c.core(2).GetReady();
  EXPECT_FALSE(rd.snapshot.has_value());
  ASSERT_EQ(rd.messages_after_persist.size(), 1u);
  EXPECT_EQ(rd.messages_after_persist[0].index, commit);
  c.core(2).Advance();
}

}  // namespace
}  // namespace curve::raft
