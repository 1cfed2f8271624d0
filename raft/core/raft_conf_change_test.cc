// Membership changes, one voter at a time, effective when appended.

#include <gtest/gtest.h>

#include "raft/core/configuration.h"
#include "raft/core/testing/test_cluster.h"

namespace curve::raft {
namespace {

using testing::TestCluster;

ConfChange Add(NodeId id) { return ConfChange{ConfChangeType::kAddVoter, id}; }
ConfChange Remove(NodeId id) { return ConfChange{ConfChangeType::kRemoveVoter, id}; }

void Settle(TestCluster& c, int ticks = 3) {
  for (int i = 0; i < ticks; ++i) {
    c.TickAll();
    c.Stabilize();
  }
}

TEST(RaftConfChangeTest, AddedVoterCatchesUpAndVotes) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.Propose(1, "e" + std::to_string(i)).ok());
  c.AddEmptyNode(4);
  ASSERT_TRUE(c.core(1).ProposeConfChange(Add(4)).ok());
  // In force on the leader as soon as appended.
  EXPECT_EQ(c.core(1).GetStatus().config, MakeConfiguration({1, 2, 3, 4}));
  c.Stabilize();
  Settle(c);
  for (NodeId id : c.ids()) {
    EXPECT_EQ(c.core(id).GetStatus().config, MakeConfiguration({1, 2, 3, 4})) << id;
    EXPECT_EQ(c.node(id).applied.size(), 5u) << id;
    EXPECT_EQ(c.node(id).applied_config, MakeConfiguration({1, 2, 3, 4})) << id;
  }
  // With four voters, two are no longer a quorum.
  c.Isolate(3);
  c.Isolate(4);
  ASSERT_TRUE(c.core(1).Propose("x").ok());
  c.Stabilize();
  EXPECT_EQ(c.node(1).applied.size(), 5u);
}

TEST(RaftConfChangeTest, RemovedVoterNoLongerCounts) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  Term term = c.core(1).term();
  ASSERT_TRUE(c.core(1).ProposeConfChange(Remove(3)).ok());
  c.Stabilize();
  Settle(c);
  EXPECT_EQ(c.core(2).GetStatus().config, MakeConfiguration({1, 2}));
  // The leader stops replicating to 3 as soon as the removal is appended, so 3 may never learn
  // of it (the application shuts removed members down). Meanwhile it cannot disrupt the group:
  // its pre-votes fail because its log lacks the removal.
  for (int i = 0; i < 100; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ(c.Leader(), 1u);
  EXPECT_EQ(c.core(1).term(), term);
  c.Isolate(3);
  ASSERT_TRUE(c.Propose(1, "x").ok());
  EXPECT_EQ(c.node(1).applied, std::vector<std::string>{"x"});
}

TEST(RaftConfChangeTest, NodeThatLearnsOfItsRemovalNeverCampaigns) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  // A removed leader replicates its own removal, so it knows it is out.
  ASSERT_TRUE(c.core(1).ProposeConfChange(Remove(1)).ok());
  c.Stabilize();
  EXPECT_EQ(c.core(1).GetStatus().config, MakeConfiguration({2, 3}));
  c.Isolate(1);
  c.Tick(1, 100);
  c.Stabilize();
  EXPECT_EQ(c.core(1).role(), Role::kFollower);
  EXPECT_EQ(c.core(1).Campaign().code(), StatusCode::kFailedPrecondition);
}

TEST(RaftConfChangeTest, OneChangeAtATime) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  c.AddEmptyNode(4);
  c.AddEmptyNode(5);
  c.Isolate(2);
  c.Isolate(3);
  ASSERT_TRUE(c.core(1).ProposeConfChange(Add(4)).ok());
  EXPECT_EQ(c.core(1).ProposeConfChange(Add(5)).status().code(), StatusCode::kFailedPrecondition);
  c.Heal();
  c.Stabilize();
  Settle(c);
  EXPECT_TRUE(c.core(1).ProposeConfChange(Add(5)).ok());
  EXPECT_EQ(c.core(1).ProposeConfChange(Add(5)).status().code(), StatusCode::kFailedPrecondition);
}

TEST(RaftConfChangeTest, NoOpChangesAreRefused) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  EXPECT_EQ(c.core(1).ProposeConfChange(Add(2)).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(c.core(1).ProposeConfChange(Remove(7)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c.core(2).ProposeConfChange(Add(7)).status().code(), StatusCode::kFailedPrecondition);
}

TEST(RaftConfChangeTest, NewLeaderMustCommitInItsTermFirst) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  ASSERT_TRUE(c.core(1).TransferLeader(2).ok());
  c.ProcessReadies();
  c.DeliverQueued();  // TimeoutNow
  c.ProcessReadies();
  c.DeliverQueued();  // vote requests
  c.ProcessReadies();
  c.DeliverQueued();  // votes: 2 wins, appends its no-op
  ASSERT_EQ(c.core(2).role(), Role::kLeader);
  EXPECT_EQ(c.core(2).ProposeConfChange(Add(4)).status().code(), StatusCode::kUnavailable);
  c.Stabilize();
  EXPECT_TRUE(c.core(2).ProposeConfChange(Remove(3)).ok());
}

TEST(RaftConfChangeTest, ReplaceIsAddThenRemove) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  ASSERT_TRUE(c.Propose(1, "before").ok());
  c.AddEmptyNode(4);
  ASSERT_TRUE(c.core(1).ProposeConfChange(Add(4)).ok());
  c.Stabilize();
  ASSERT_TRUE(c.core(1).ProposeConfChange(Remove(3)).ok());
  c.Stabilize();
  Settle(c);
  for (NodeId id : {1, 2, 4}) {
    EXPECT_EQ(c.core(id).GetStatus().config, MakeConfiguration({1, 2, 4})) << id;
    EXPECT_EQ(c.node(id).applied, std::vector<std::string>{"before"}) << id;
  }
  c.Crash(3);
  ASSERT_TRUE(c.Propose(1, "after").ok());
  Settle(c);
  EXPECT_EQ(c.node(4).applied.back(), "after");
}

TEST(RaftConfChangeTest, RemovedLeaderStepsDownAndHandsOver) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  ASSERT_TRUE(c.core(1).ProposeConfChange(Remove(1)).ok());
  c.Stabilize();  // no ticks: the handover must not wait for an election timeout
  EXPECT_EQ(c.core(1).role(), Role::kFollower);
  NodeId leader = c.Leader();
  ASSERT_TRUE(leader == 2 || leader == 3) << leader;
  EXPECT_EQ(c.core(leader).GetStatus().config, MakeConfiguration({2, 3}));
  ASSERT_TRUE(c.Propose(leader, "x").ok());
}

TEST(RaftConfChangeTest, UncommittedChangeIsRevertedWhenOverwritten) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  c.AddEmptyNode(4);
  c.Isolate(1);
  ASSERT_TRUE(c.core(1).ProposeConfChange(Add(4)).ok());
  c.Stabilize();
  EXPECT_EQ(c.core(1).GetStatus().config, MakeConfiguration({1, 2, 3, 4}));
  NodeId other = kNoNode;
  for (int i = 0; i < 100 && (other == kNoNode || other == 1); ++i) {
    c.TickAll();
    c.Stabilize();
    other = c.Leader();
  }
  ASSERT_TRUE(other == 2 || other == 3);
  ASSERT_TRUE(c.Propose(other, "x").ok());
  c.Heal();
  Settle(c);
  EXPECT_EQ(c.core(1).GetStatus().config, MakeConfiguration({1, 2, 3}));
  EXPECT_EQ(c.node(1).applied, std::vector<std::string>{"x"});
}

}  // namespace
}  // namespace curve::raft
