// Log replication: commit, conflict repair, the commit rule for earlier terms, pipelining,
// batching and the persist-before-acknowledge contract.

#include <gtest/gtest.h>

#include "raft/core/configuration.h"
#include "raft/core/testing/test_cluster.h"

namespace curve::raft {
namespace {

using testing::TestCluster;

std::vector<Message> Take(std::vector<Message>& queue, MessageType type, NodeId to = kNoNode) {
  std::vector<Message> out;
  std::vector<Message> rest;
  for (Message& m : queue) {
    if (m.type == type && (to == kNoNode || m.to == to)) {
      out.push_back(std::move(m));
    } else {
      rest.push_back(std::move(m));
    }
  }
  queue.swap(rest);
  return out;
}

TEST(RaftReplicationTest, ReplicatesAndAppliesInOrder) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.core(1).Propose("e" + std::to_string(i)).ok());
  c.Stabilize();
  c.TickAll();  // followers learn the final commit index from the heartbeat
  c.Stabilize();
  for (NodeId id : c.ids()) {
    ASSERT_EQ(c.node(id).applied.size(), 10u) << id;
    EXPECT_EQ(c.node(id).applied.front(), "e0");
    EXPECT_EQ(c.node(id).applied.back(), "e9");
  }
}

TEST(RaftReplicationTest, ProposalOnFollowerNamesTheLeader) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(2));
  Result<EntryId> r = c.core(1).Propose("x");
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("leader=2"), std::string::npos) << r.status();
}

TEST(RaftReplicationTest, LeaderRepairsADivergentFollowerLog) {
  TestCluster c(5);
  ASSERT_TRUE(c.Elect(1));
  // Three times: 1 leads, appends entries nobody else gets, and the others move on without it.
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(c.Leader(), 1u);
    c.Isolate(1);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.core(1).Propose("lost").ok());
    c.Stabilize();
    NodeId other = kNoNode;
    for (int i = 0; i < 100 && (other == kNoNode || other == 1); ++i) {
      c.TickAll();
      c.Stabilize();
      other = c.Leader();
    }
    ASSERT_NE(other, 1u);
    ASSERT_NE(other, kNoNode);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.core(other).Propose("kept").ok());
    c.Stabilize();
    c.Heal();
    c.TickAll();
    c.Stabilize();
    // 1's log is repaired; then it takes over again for the next round.
    ASSERT_TRUE(c.core(other).TransferLeader(1).ok());
    c.Stabilize();
  }
  c.TickAll();
  c.Stabilize();
  for (NodeId id : c.ids()) {
    EXPECT_EQ(c.node(id).applied, std::vector<std::string>(9, "kept")) << id;
    EXPECT_EQ(c.node(id).disk.LastIndex(), c.node(1).disk.LastIndex()) << id;
  }
}

// Builds a node whose disk holds entries of the given terms (indexes 1..n) and `term` as its
// current term, in a group of `voters`.
struct ManualNode {
  MemoryLog disk;
  std::unique_ptr<RaftCore> core;

  ManualNode(NodeId id, const std::vector<NodeId>& voters, const std::vector<Term>& terms,
             Term term, bool pre_vote = false) {
    disk = MemoryLog::Bootstrap(MakeConfiguration(voters));
    std::vector<Entry> entries;
    for (size_t i = 0; i < terms.size(); ++i) {
      entries.push_back(Entry{.term = terms[i], .index = i + 1, .data = "x"});
    }
    EXPECT_TRUE(disk.Append(entries).ok());
    disk.SetHardState(HardState{term, kNoNode, 0});
    RaftOptions o;
    o.id = id;
    o.pre_vote = pre_vote;
    core = std::move(RaftCore::Create(o, &disk)).value();
  }

  // Runs the Ready loop, persisting; returns every message.
  std::vector<Message> Flush() {
    std::vector<Message> out;
    while (core->HasReady()) {
      Ready rd = core->GetReady();
      EXPECT_TRUE(disk.Append(rd.entries).ok());
      if (rd.hard_state) disk.SetHardState(*rd.hard_state);
      for (auto* l : {&rd.messages, &rd.messages_after_persist}) {
        out.insert(out.end(), l->begin(), l->end());
      }
      core->Advance();
    }
    return out;
  }
};

TEST(RaftReplicationTest, LeaderNeverCommitsEntriesOfEarlierTermsByCounting) {
  // Figure 8 of the Raft paper. S1 leads term 4 with log [1, 2]; entry 2 (term 2) reaches a
  // majority (S1, S2, S3) but must not be committed: S5, whose entry 2 has term 3, could still be
  // elected by S2, S3, S4 and overwrite it. Only once an entry of term 4 is on a majority does
  // entry 2 commit along with it.
  std::vector<NodeId> voters{1, 2, 3, 4, 5};
  ManualNode s1(1, voters, {1, 2}, 3);
  ASSERT_TRUE(s1.core->Campaign().ok());
  std::vector<Message> votes = s1.Flush();
  ASSERT_EQ(s1.core->term(), 4u);
  for (const Message& m : votes) {
    if (m.to == 5) continue;  // S5 would refuse: its log is more up to date
    ASSERT_TRUE(
        s1.core->Step(Message{.type = MessageType::kVoteResp, .from = m.to, .to = 1, .term = 4})
            .ok());
  }
  ASSERT_EQ(s1.core->role(), Role::kLeader);
  s1.Flush();  // persists the no-op at index 3 (term 4)
  // S2 and S3 acknowledge entry 2 only.
  for (NodeId id : {2, 3}) {
    ASSERT_TRUE(
        s1.core
            ->Step(Message{
                .type = MessageType::kAppendResp, .from = id, .to = 1, .term = 4, .index = 2})
            .ok());
  }
  s1.Flush();
  EXPECT_EQ(s1.core->GetStatus().commit, 0u) << "entry 2 of term 2 committed by counting";
  // S2 and S3 acknowledge the no-op: entry 3 (term 4) and everything before it commit.
  for (NodeId id : {2, 3}) {
    ASSERT_TRUE(
        s1.core
            ->Step(Message{
                .type = MessageType::kAppendResp, .from = id, .to = 1, .term = 4, .index = 3})
            .ok());
  }
  EXPECT_EQ(s1.core->GetStatus().commit, 3u);
}

TEST(RaftReplicationTest, LeaderCountsItsOwnEntryOnlyOncePersisted) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  c.Isolate(3);
  ASSERT_TRUE(c.core(1).Propose("x").ok());
  Ready rd = c.core(1).GetReady();
  ASSERT_EQ(rd.entries.size(), 1u);
  Index index = rd.entries[0].index;
  // The leader's appends may leave before its own write: they claim nothing about its disk.
  std::vector<Message> appends = Take(rd.messages, MessageType::kAppend, 2);
  ASSERT_EQ(appends.size(), 1u);
  ASSERT_TRUE(c.core(2).Step(appends[0]).ok());
  c.ProcessReadies();  // 2 persists and acknowledges
  for (Message& m : c.queue()) ASSERT_TRUE(c.core(1).Step(std::move(m)).ok());
  c.queue().clear();
  EXPECT_LT(c.core(1).GetStatus().commit, index) << "committed with the leader's copy unwritten";
  ASSERT_TRUE(c.node(1).disk.Append(rd.entries).ok());
  c.core(1).Advance();
  EXPECT_EQ(c.core(1).GetStatus().commit, index);
}

TEST(RaftReplicationTest, FollowerAcknowledgesOnlyAfterPersisting) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  ASSERT_TRUE(c.core(1).Propose("x").ok());
  c.ProcessReadies();
  std::vector<Message> appends = Take(c.queue(), MessageType::kAppend, 2);
  ASSERT_EQ(appends.size(), 1u);
  ASSERT_TRUE(c.core(2).Step(appends[0]).ok());
  Ready rd = c.core(2).GetReady();
  EXPECT_EQ(rd.entries.size(), 1u);
  EXPECT_TRUE(rd.messages.empty());
  ASSERT_EQ(rd.messages_after_persist.size(), 1u);
  EXPECT_EQ(rd.messages_after_persist[0].type, MessageType::kAppendResp);
  c.core(2).Advance();
}

TEST(RaftReplicationTest, PipelinesUpToTheInflightWindow) {
  TestCluster c(2, [](RaftOptions* o) { o->max_inflight_messages = 3; });
  ASSERT_TRUE(c.Elect(1));
  ASSERT_TRUE(c.Propose(1, "warm-up").ok());  // 2 is now in replicate state
  c.Cut(1, 2);                                // hold 2's side: nothing is acknowledged
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(c.core(1).Propose("e" + std::to_string(i)).ok());
    c.ProcessReadies();
  }
  size_t appends = Take(c.queue(), MessageType::kAppend, 2).size();
  EXPECT_EQ(appends, 3u) << "one append per proposal until the window of 3 is full";
  EXPECT_EQ(c.core(1).GetStatus().peers[1].state, ProgressState::kReplicate);
}

TEST(RaftReplicationTest, BatchesEntriesWithinTheByteCap) {
  TestCluster c(2, [](RaftOptions* o) { o->max_bytes_per_message = 3 * (10 + 24); });
  ASSERT_TRUE(c.Elect(1));
  c.Isolate(2);  // 2 falls behind; 1 keeps proposing
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.core(1).Propose(std::string(10, 'a' + i)).ok());
  c.ProcessReadies();
  c.queue().clear();
  c.Heal();
  c.TickAll();  // heartbeat, then a probe finds where 2 stands, then batches
  size_t largest = 0;
  for (int round = 0; round < 20; ++round) {
    c.ProcessReadies();
    for (const Message& m : c.queue()) {
      if (m.type != MessageType::kAppend) continue;
      EXPECT_LE(m.entries.size(), 3u);
      largest = std::max(largest, m.entries.size());
    }
    c.DeliverQueued();
  }
  EXPECT_EQ(largest, 3u) << "byte cap of three 10-byte entries";
  c.TickAll();
  c.Stabilize();
  EXPECT_EQ(c.node(2).applied.size(), 10u);
}

TEST(RaftReplicationTest, RecoversFromLostAppends) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  ASSERT_TRUE(c.Propose(1, "a").ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.core(1).Propose("lost" + std::to_string(i)).ok());
    c.ProcessReadies();
    Take(c.queue(), MessageType::kAppend);  // dropped on the floor
  }
  for (int i = 0; i < 5; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  for (NodeId id : c.ids()) EXPECT_EQ(c.node(id).applied.size(), 6u) << id;
}

TEST(RaftReplicationTest, RefusesProposalsBeyondTheUncommittedLimit) {
  TestCluster c(3, [](RaftOptions* o) { o->max_uncommitted_bytes = 100; });
  ASSERT_TRUE(c.Elect(1));
  c.Isolate(1);
  ASSERT_TRUE(c.core(1).Propose(std::string(60, 'x')).ok());
  EXPECT_EQ(c.core(1).Propose(std::string(60, 'x')).status().code(),
            StatusCode::kResourceExhausted);
  c.Heal();
  c.TickAll();
  c.Stabilize();
  EXPECT_TRUE(c.core(1).Propose(std::string(60, 'x')).ok());
}

TEST(RaftReplicationTest, RestartKeepsPersistedLogAndReappliesCommittedEntries) {
  TestCluster c(3);
  ASSERT_TRUE(c.Elect(1));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Propose(1, "e" + std::to_string(i)).ok());
  c.TickAll();
  c.Stabilize();
  c.Crash(2);
  c.Restart(2);
  c.TickAll();
  c.Stabilize();
  EXPECT_EQ(c.node(2).applied, (std::vector<std::string>{"e0", "e1", "e2"}));
  EXPECT_EQ(c.core(2).leader(), 1u);
}

}  // namespace
}  // namespace curve::raft
