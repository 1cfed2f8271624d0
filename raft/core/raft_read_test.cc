// Linearizable reads: ReadIndex (a quorum round after the request) and leader leases.

#include <gtest/gtest.h>

#include "raft/core/testing/test_cluster.h"

namespace curve::raft {
namespace {

using testing::TestCluster;

void LeaseMode(RaftOptions* o) { o->read_mode = ReadMode::kLeaseBased; }

TEST(RaftReadTest, ReadIndexWaitsForAQuorumRound) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  ASSERT_TRUE(c.Propose(1, "a").ok());
  ASSERT_TRUE(c.core(1).ReadIndex(7).ok());
  c.ProcessReadies();
  EXPECT_TRUE(c.node(1).read_states.empty()) << "served before any follower confirmed";
  c.Stabilize();
  ASSERT_EQ(c.node(1).read_states.size(), 1u);
  EXPECT_EQ(c.node(1).read_states[0].request_id, 7u);
  EXPECT_EQ(c.node(1).read_states[0].index, c.core(1).GetStatus().commit);
}

TEST(RaftReadTest, ReadsJoinARoundThatHasNotLeftYet) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  for (uint64_t id = 1; id <= 5; ++id) ASSERT_TRUE(c.core(1).ReadIndex(id).ok());
  c.ProcessReadies();
  size_t heartbeats = 0;
  for (const Message& m : c.queue()) heartbeats += m.type == MessageType::kHeartbeat;
  EXPECT_EQ(heartbeats, 2u) << "five reads share one round";
  c.Stabilize();
  EXPECT_EQ(c.node(1).read_states.size(), 5u);
}

TEST(RaftReadTest, IsolatedLeaderServesNoReadIndexAndDropsItOnStepDown) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  c.Isolate(1);
  ASSERT_TRUE(c.core(1).ReadIndex(1).ok());
  for (int i = 0; i < 30; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_NE(c.core(1).role(), Role::kLeader);
  c.Heal();
  c.TickAll();
  c.Stabilize();
  EXPECT_TRUE(c.node(1).read_states.empty());
}

TEST(RaftReadTest, NewLeaderServesReadsOnlyAfterCommittingInItsTerm) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  ASSERT_TRUE(c.Propose(1, "a").ok());
  c.Isolate(1);
  // 2 or 3 takes over, but no append is ever acknowledged: its no-op stays uncommitted.
  auto drop_acks = [&] {
    std::vector<Message> kept;
    for (Message& m : c.queue()) {
      if (m.type != MessageType::kAppendResp) kept.push_back(std::move(m));
    }
    c.queue().swap(kept);
  };
  NodeId leader = kNoNode;
  for (int i = 0; i < 100 && (leader == kNoNode || leader == 1); ++i) {
    c.TickAll();
    c.ProcessReadies();
    drop_acks();
    c.DeliverQueued();
    leader = c.Leader();
  }
  ASSERT_NE(leader, kNoNode);
  ASSERT_NE(leader, 1u);
  Index noop = c.core(leader).GetStatus().last_index;
  ASSERT_LT(c.core(leader).GetStatus().commit, noop);
  ASSERT_TRUE(c.core(leader).ReadIndex(9).ok());
  for (int i = 0; i < 3; ++i) {
    c.TickAll();  // heartbeat rounds are acknowledged, yet the read must wait
    c.ProcessReadies();
    drop_acks();
    c.DeliverQueued();
  }
  c.ProcessReadies();
  EXPECT_TRUE(c.node(leader).read_states.empty());
  drop_acks();
  c.Stabilize();
  ASSERT_EQ(c.node(leader).read_states.size(), 1u);
  EXPECT_GE(c.node(leader).read_states[0].index, noop);
}

TEST(RaftReadTest, FollowerRefusesReads) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  EXPECT_EQ(c.core(2).ReadIndex(1).code(), StatusCode::kFailedPrecondition);
}

TEST(RaftReadTest, SingleVoterReadsAtOnce) {
  TestCluster c(1);
  ASSERT_TRUE(c.Elect(1));
  ASSERT_TRUE(c.core(1).ReadIndex(3).ok());
  c.ProcessReadies();
  ASSERT_EQ(c.node(1).read_states.size(), 1u);
}

TEST(RaftReadTest, LeaseServesReadsWithoutARound) {
  TestCluster c(3, LeaseMode);
  ASSERT_TRUE(c.Elect(1));
  c.TickAll();  // a heartbeat round is acknowledged
  c.Stabilize();
  ASSERT_TRUE(c.core(1).ReadIndex(4).ok());
  c.ProcessReadies();
  ASSERT_EQ(c.node(1).read_states.size(), 1u);
  EXPECT_EQ(c.node(1).read_states[0].request_id, 4u);
}

TEST(RaftReadTest, LeaseLapsesWithoutQuorumContact) {
  TestCluster c(3, LeaseMode);
  ASSERT_TRUE(c.Elect(1));
  c.TickAll();
  c.Stabilize();
  c.Isolate(1);
  // The lease lasts election_tick - lease_margin_ticks = 8 ticks from the acknowledged round.
  c.Tick(1, 7);
  ASSERT_TRUE(c.core(1).ReadIndex(1).ok());
  c.ProcessReadies();
  EXPECT_EQ(c.node(1).read_states.size(), 1u);
  c.Tick(1, 1);
  ASSERT_TRUE(c.core(1).ReadIndex(2).ok());
  c.ProcessReadies();
  EXPECT_EQ(c.node(1).read_states.size(), 1u) << "served under an expired lease";
}

TEST(RaftReadTest, TimeoutNowRevokesTheLease) {
  TestCluster c(3, LeaseMode);
  ASSERT_TRUE(c.Elect(1));
  c.TickAll();
  c.Stabilize();
  c.Cut(1, 2);  // the TimeoutNow (and everything else to 2) is lost...
  ASSERT_TRUE(c.core(1).TransferLeader(2).ok());
  c.Stabilize();
  c.Tick(1, 10);  // ...and the transfer is abandoned
  c.Stabilize();
  ASSERT_EQ(c.core(1).role(), Role::kLeader);
  ASSERT_EQ(c.core(1).GetStatus().transferee, kNoNode);
  // A delayed TimeoutNow could still start an election that ignores leases: no lease reads.
  ASSERT_TRUE(c.core(1).ReadIndex(1).ok());
  c.ProcessReadies();
  EXPECT_TRUE(c.node(1).read_states.empty());
  c.Stabilize();  // the ReadIndex round through 3 still works
  EXPECT_EQ(c.node(1).read_states.size(), 1u);
}

}  // namespace
}  // namespace curve::raft
