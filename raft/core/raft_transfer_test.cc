// Leadership transfer through TimeoutNow.

#include <gtest/gtest.h>

#include "raft/core/testing/test_cluster.h"

namespace curve::raft {
namespace {

using testing::TestCluster;

TEST(RaftTransferTest, TransfersToAnUpToDateFollower) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  Term term = c.core(1).term();
  ASSERT_TRUE(c.core(1).TransferLeader(3).ok());
  c.Stabilize();  // no ticks needed: 3 campaigns at once, bypassing leases and pre-vote
  EXPECT_EQ(c.Leader(), 3u);
  EXPECT_EQ(c.core(3).term(), term + 1);
  EXPECT_EQ(c.core(1).leader(), 3u);
}

TEST(RaftTransferTest, LaggingTargetCatchesUpFirst) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  c.Isolate(3);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.core(1).Propose("e").ok());
  c.Stabilize();
  c.Heal();
  ASSERT_TRUE(c.core(1).TransferLeader(3).ok());
  EXPECT_EQ(c.core(1).Propose("refused").status().code(), StatusCode::kUnavailable);
  c.Stabilize();
  EXPECT_EQ(c.Leader(), 3u);
  c.TickAll();
  c.Stabilize();
  EXPECT_EQ(c.node(3).applied.size(), 5u);
}

TEST(RaftTransferTest, AbandonedAfterAnElectionTimeout) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  c.Isolate(3);
  ASSERT_TRUE(c.core(1).TransferLeader(3).ok());
  EXPECT_EQ(c.core(1).GetStatus().transferee, 3u);
  for (int i = 0; i < 10; ++i) {
    c.Tick(1);
    c.Stabilize();
  }
  EXPECT_EQ(c.core(1).role(), Role::kLeader);
  EXPECT_EQ(c.core(1).GetStatus().transferee, kNoNode);
  EXPECT_TRUE(c.core(1).Propose("accepted").ok());
}

TEST(RaftTransferTest, RejectsNonVotersAndNonLeaders) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  EXPECT_EQ(c.core(1).TransferLeader(9).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.core(2).TransferLeader(3).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(c.core(1).TransferLeader(1).ok());
  EXPECT_EQ(c.Leader(), 1u);
}

TEST(RaftTransferTest, StaleTimeoutNowIsIgnored) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  Term term = c.core(1).term();
  ASSERT_TRUE(c.core(1).TransferLeader(2).ok());
  c.Stabilize();
  ASSERT_EQ(c.Leader(), 2u);
  // A TimeoutNow of the old term arriving late does nothing.
  ASSERT_TRUE(c.core(3)
                  .Step(Message{.type = MessageType::kTimeoutNow, .from = 1, .to = 3, .term = term})
                  .ok());
  c.Stabilize();
  EXPECT_EQ(c.Leader(), 2u);
  EXPECT_EQ(c.core(3).term(), term + 1);
}

}  // namespace
}  // namespace curve::raft
