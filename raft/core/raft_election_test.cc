// Leader election: timeouts, the up-to-date rule, pre-vote, check-quorum and vote leases.

#include <gtest/gtest.h>

#include "raft/core/testing/test_cluster.h"

namespace curve::raft {
namespace {

using testing::TestCluster;

// Ticks everyone (stabilizing in between) until a leader exists; returns it or 0.
NodeId TickUntilLeader(TestCluster& c, int max_ticks = 200) {
  for (int i = 0; i < max_ticks; ++i) {
    c.TickAll();
    c.Stabilize();
    if (NodeId l = c.Leader()) return l;
  }
  return kNoNode;
}

TEST(RaftElectionTest, ElectsOneLeaderAfterTimeout) {
  TestCluster c(3);
  NodeId leader = TickUntilLeader(c);
  ASSERT_NE(leader, kNoNode);
  for (NodeId id : c.ids()) {
    EXPECT_EQ(c.core(id).leader(), leader) << id;
    EXPECT_EQ(c.core(id).term(), c.core(leader).term());
    if (id != leader) {
      EXPECT_EQ(c.core(id).role(), Role::kFollower);
    }
  }
  // The new leader's no-op entry commits and is applied everywhere.
  c.TickAll();
  c.Stabilize();
  for (NodeId id : c.ids()) EXPECT_EQ(c.core(id).GetStatus().commit, 1u) << id;
}

TEST(RaftElectionTest, NoElectionBeforeTheTimeout) {
  TestCluster c(3);
  c.TickAll(9);  // election_tick is 10: the randomized timeout is in [10, 20)
  c.Stabilize();
  EXPECT_EQ(c.Leader(), kNoNode);
  for (NodeId id : c.ids()) EXPECT_EQ(c.core(id).term(), 0u);
}

TEST(RaftElectionTest, SingleVoterElectsItself) {
  TestCluster c(1);
  ASSERT_TRUE(c.Elect(1));
  EXPECT_EQ(c.core(1).term(), 1u);
  ASSERT_TRUE(c.Propose(1, "a").ok());
  EXPECT_EQ(c.node(1).applied, std::vector<std::string>{"a"});
}

TEST(RaftElectionTest, CandidateWithStaleLogCannotWin) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  c.Isolate(3);
  ASSERT_TRUE(c.Propose(1, "x").ok());  // 3 misses it
  c.Heal();
  c.Crash(1);
  // 3 campaigns (no pre-vote filter matters here: 2 rejects because 3's log is behind).
  c.TickAll(30);  // let 2's lease on the dead leader lapse; both may campaign
  c.Stabilize();
  for (int i = 0; i < 100 && c.Leader() == kNoNode; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ(c.Leader(), 2u) << "only node 2 holds the committed entry";
}

TEST(RaftElectionTest, PreVoteKeepsAPartitionedNodeFromDisruptingTheGroup) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  Term term = c.core(1).term();
  c.Isolate(3);
  for (int i = 0; i < 100; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  // 3 kept pre-campaigning without ever raising its term.
  EXPECT_EQ(c.core(3).term(), term);
  EXPECT_NE(c.core(3).role(), Role::kLeader);
  c.Heal();
  for (int i = 0; i < 5; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ(c.Leader(), 1u);
  EXPECT_EQ(c.core(1).term(), term);
  EXPECT_EQ(c.core(3).leader(), 1u);
}

TEST(RaftElectionTest, WithoutPreVoteAPartitionedNodeDeposesTheLeader) {
  // The contrast to the test above: the disruption pre-vote prevents is real.
  TestCluster c(3, [](RaftOptions* o) {
    o->pre_vote = false;
    o->check_quorum = false;
  });
  ASSERT_TRUE(c.Elect(1));
  Term term = c.core(1).term();
  c.Isolate(3);
  for (int i = 0; i < 100; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_GT(c.core(3).term(), term + 1);
  c.Heal();
  for (int i = 0; i < 40; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_GT(c.core(1).term(), term) << "the leader was forced into 3's higher term";
}

TEST(RaftElectionTest, CheckQuorumMakesAnIsolatedLeaderStepDown) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  c.Isolate(1);
  c.Tick(1, 10);  // one election timeout without hearing from anyone
  EXPECT_EQ(c.core(1).role(), Role::kLeader);
  c.Tick(1, 10);
  EXPECT_EQ(c.core(1).role(), Role::kFollower);
}

TEST(RaftElectionTest, FollowersInLeaseIgnoreVoteRequests) {
  TestCluster c(3, [](RaftOptions* o) { o->pre_vote = false; });
  ASSERT_TRUE(c.Elect(1));
  Term term = c.core(1).term();
  ASSERT_TRUE(c.core(3).Campaign().ok());  // 3 has heard from 1 but campaigns anyway
  c.ProcessReadies();
  c.DeliverQueued();  // the vote requests
  EXPECT_EQ(c.core(2).term(), term) << "2 heard from the leader recently and ignores 3";
  EXPECT_EQ(c.core(2).GetStatus().vote, 1u);
}

TEST(RaftElectionTest, RestartedNodeIgnoresVotesForAnElectionTimeout) {
  TestCluster c(3, [](RaftOptions* o) { o->pre_vote = false; });
  ASSERT_TRUE(c.Elect(1));
  Term term = c.core(1).term();
  c.Crash(2);
  c.Restart(2);  // forgot it heard from 1, but may have acknowledged 1's lease
  c.Isolate(1);
  ASSERT_TRUE(c.core(3).Campaign().ok());
  c.Stabilize();
  EXPECT_EQ(c.core(2).term(), term);
  EXPECT_NE(c.core(3).role(), Role::kLeader);
  // After an election timeout the restarted node votes again.
  c.Tick(2, 10);
  c.Tick(3, 10);
  c.Stabilize();
  ASSERT_TRUE(c.core(3).Campaign().ok() || c.core(3).role() == Role::kCandidate);
  c.Stabilize();
  EXPECT_TRUE(c.core(3).role() == Role::kLeader || c.core(2).role() == Role::kLeader);
}

TEST(RaftElectionTest, CandidateStepsDownForALeaderOfItsTerm) {
  TestCluster c(3, [](RaftOptions* o) {
    o->pre_vote = false;
    o->check_quorum = false;
  });
  ASSERT_TRUE(c.core(1).Campaign().ok());
  ASSERT_TRUE(c.core(2).Campaign().ok());  // both candidates of term 1
  c.Stabilize();
  NodeId leader = c.Leader();
  ASSERT_NE(leader, kNoNode);
  EXPECT_EQ(c.core(leader).term(), 1u);
  for (NodeId id : c.ids()) EXPECT_EQ(c.core(id).leader(), leader);
}

// Regression (simulation seed 27, no pre-vote): a voter that silently dropped vote requests of a
// lower term left a candidate campaigning one term behind it forever.
TEST(RaftElectionTest, CandidateBehindInTermLearnsTheTermFromTheRejection) {
  TestCluster c(3, [](RaftOptions* o) {
    o->pre_vote = false;
    o->check_quorum = false;
  });
  ASSERT_TRUE(c.Elect(1));
  ASSERT_TRUE(c.Elect(2));
  ASSERT_TRUE(c.Elect(1));
  Term term = c.core(1).term();
  ASSERT_TRUE(c.core(1)
                  .Step(Message{.type = MessageType::kVote, .from = 3, .to = 1, .term = term - 1})
                  .ok());
  Ready rd = c.core(1).GetReady();
  ASSERT_EQ(rd.messages_after_persist.size(), 1u);
  const Message& resp = rd.messages_after_persist[0];
  EXPECT_EQ(resp.type, MessageType::kVoteResp);
  EXPECT_TRUE(resp.reject);
  EXPECT_EQ(resp.term, term);
  c.core(1).Advance();
}

TEST(RaftElectionTest, VotesArePersistedBeforeTheyAreSent) {
  TestCluster c(3);
  ASSERT_TRUE(c.core(1).Campaign().ok());
  c.ProcessReadies();
  c.DeliverQueued();  // pre-votes
  c.ProcessReadies();
  c.DeliverQueued();  // pre-vote responses; 1 campaigns in term 1
  Ready rd = c.core(1).GetReady();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->term, 1u);
  EXPECT_EQ(rd.hard_state->vote, 1u);
  EXPECT_TRUE(rd.messages.empty()) << "vote requests must wait for the vote to be durable";
  EXPECT_EQ(rd.messages_after_persist.size(), 2u);
  c.core(1).Advance();
}

}  // namespace
}  // namespace curve::raft
