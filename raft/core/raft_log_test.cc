#include "raft/core/raft_log.h"

#include <gtest/gtest.h>

#include "raft/core/configuration.h"
#include "raft/core/memory_log.h"

namespace curve::raft {
namespace {

std::vector<Entry> Entries(Index first, std::vector<Term> terms) {
  std::vector<Entry> out;
  for (Term t : terms) out.push_back(Entry{.term = t, .index = first++});
  return out;
}

Entry ConfEntry(Term term, Index index, std::vector<NodeId> voters) {
  ConfChangeEntry cc{{ConfChangeType::kAddVoter, voters.back()}, MakeConfiguration(voters)};
  return Entry{.term = term,
               .index = index,
               .type = EntryType::kConfChange,
               .data = EncodeConfChangeEntry(cc)};
}

class RaftLogTest : public ::testing::Test {
 protected:
  MemoryLog disk_ = MemoryLog::Bootstrap(MakeConfiguration({1, 2, 3}));
};

TEST_F(RaftLogTest, UnstableEntriesOverlayStorage) {
  ASSERT_TRUE(disk_.Append(Entries(1, {1, 1, 2})).ok());
  RaftLog log(&disk_, 0);
  EXPECT_EQ(log.LastIndex(), 3u);
  log.Append(Entries(4, {2, 2}));
  EXPECT_EQ(log.LastIndex(), 5u);
  EXPECT_EQ(log.StableLastIndex(), 3u);
  EXPECT_EQ(log.UnstableEntries().size(), 2u);
  Result<std::vector<Entry>> all = log.Slice(1, 6, UINT64_MAX);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 5u);
  EXPECT_EQ(all->back().index, 5u);
  EXPECT_EQ(log.Slice(2, 6, 0)->size(), 1u);
  EXPECT_EQ(log.TermOrZero(9), 0u);
}

TEST_F(RaftLogTest, MaybeAppendRejectsMismatchAndRepairsConflicts) {
  ASSERT_TRUE(disk_.Append(Entries(1, {1, 1, 2, 2})).ok());
  RaftLog log(&disk_, 0);
  EXPECT_FALSE(log.MaybeAppend(4, 3, 4, Entries(5, {3})).has_value());  // term mismatch at 4
  EXPECT_FALSE(log.MaybeAppend(6, 2, 6, {}).has_value());               // missing 6
  // Leader's log: 1 1 3 3 3. Appending after (2, term 1) truncates 3..4.
  std::optional<Index> last = log.MaybeAppend(2, 1, 9, Entries(3, {3, 3, 3}));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, 5u);
  EXPECT_EQ(log.TermOrZero(3), 3u);
  EXPECT_EQ(log.committed(), 5u);  // min(leader commit, last new)
  // A stale, shorter append must not truncate what follows it.
  last = log.MaybeAppend(2, 1, 3, Entries(3, {3}));
  EXPECT_EQ(*last, 3u);
  EXPECT_EQ(log.LastIndex(), 5u);
}

TEST_F(RaftLogTest, CommitOnlyByCountingInCurrentTerm) {
  RaftLog log(&disk_, 0);
  log.Append(Entries(1, {1, 2}));
  EXPECT_FALSE(log.MaybeCommit(2, 3));  // entry 2 is of term 2, not 3
  EXPECT_TRUE(log.MaybeCommit(2, 2));
  EXPECT_EQ(log.committed(), 2u);
}

TEST_F(RaftLogTest, StableToIgnoresOverwrittenPositions) {
  RaftLog log(&disk_, 0);
  log.Append(Entries(1, {1, 1, 1}));
  log.Append(Entries(3, {2}));  // overwrite index 3 before it was persisted
  log.StableTo(EntryId{1, 3});  // the old (1,3) was persisted: nothing to drop beyond it
  EXPECT_EQ(log.UnstableEntries().size(), 3u);
  log.StableTo(EntryId{2, 3});
  EXPECT_TRUE(log.UnstableEntries().empty());
  EXPECT_EQ(log.StableLastIndex(), 3u);
}

TEST_F(RaftLogTest, FindConflictByTermSkipsWholeTerms) {
  ASSERT_TRUE(disk_.Append(Entries(1, {1, 1, 2, 2, 2, 4, 4})).ok());
  RaftLog log(&disk_, 0);
  EXPECT_EQ(log.FindConflictByTerm(7, 3), 5u);
  EXPECT_EQ(log.FindConflictByTerm(7, 1), 2u);
  EXPECT_EQ(log.FindConflictByTerm(7, 4), 7u);
  EXPECT_EQ(log.FindConflictByTerm(20, 4), 7u);  // clamped to the last index
  EXPECT_EQ(log.FindConflictByTerm(7, 0), 0u);
}

TEST_F(RaftLogTest, IsUpToDate) {
  RaftLog log(&disk_, 0);
  log.Append(Entries(1, {1, 2, 2}));
  EXPECT_TRUE(log.IsUpToDate(3, 2));
  EXPECT_TRUE(log.IsUpToDate(1, 3));
  EXPECT_FALSE(log.IsUpToDate(2, 2));
  EXPECT_FALSE(log.IsUpToDate(9, 1));
}

TEST_F(RaftLogTest, ConfigurationTakesEffectOnAppendAndRevertsOnTruncation) {
  RaftLog log(&disk_, 0);
  EXPECT_EQ(log.configs().Current(), MakeConfiguration({1, 2, 3}));
  log.Append({Entry{.term = 1, .index = 1}, ConfEntry(1, 2, {1, 2, 3, 4})});
  EXPECT_EQ(log.configs().Current(), MakeConfiguration({1, 2, 3, 4}));
  log.Append(Entries(2, {2}));  // a new leader overwrote the uncommitted change
  EXPECT_EQ(log.configs().Current(), MakeConfiguration({1, 2, 3}));
}

TEST_F(RaftLogTest, ConfigurationsAreReloadedFromStorage) {
  ASSERT_TRUE(disk_.Append({Entry{.term = 1, .index = 1}, ConfEntry(1, 2, {1, 2, 3, 4})}).ok());
  RaftLog log(&disk_, 0);
  EXPECT_EQ(log.configs().Current(), MakeConfiguration({1, 2, 3, 4}));
  EXPECT_EQ(log.configs().CurrentIndex(), 2u);
}

TEST_F(RaftLogTest, RestoreReplacesLog) {
  ASSERT_TRUE(disk_.Append(Entries(1, {1, 1})).ok());
  RaftLog log(&disk_, 0);
  log.Restore(Snapshot{SnapshotMeta{10, 3, MakeConfiguration({2, 3, 4})}, ""});
  EXPECT_EQ(log.FirstIndex(), 11u);
  EXPECT_EQ(log.LastIndex(), 10u);
  EXPECT_EQ(log.committed(), 10u);
  EXPECT_EQ(log.TermOrZero(10), 3u);
  EXPECT_EQ(log.TermAt(5).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log.configs().Current(), MakeConfiguration({2, 3, 4}));
  EXPECT_FALSE(log.HasNextCommittedEntries());
}

TEST_F(RaftLogTest, NextCommittedEntries) {
  ASSERT_TRUE(disk_.Append(Entries(1, {1, 1, 1})).ok());
  disk_.SetHardState(HardState{1, 1, 2});
  RaftLog log(&disk_, 0);
  EXPECT_EQ(log.committed(), 2u);
  std::vector<Entry> next = log.NextCommittedEntries(UINT64_MAX);
  ASSERT_EQ(next.size(), 2u);
  log.AppliedTo(2);
  EXPECT_FALSE(log.HasNextCommittedEntries());
}

}  // namespace
}  // namespace curve::raft
