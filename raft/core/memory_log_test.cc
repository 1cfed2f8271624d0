#include "raft/core/memory_log.h"

#include <gtest/gtest.h>

#include "raft/core/configuration.h"

namespace curve::raft {
namespace {

std::vector<Entry> Entries(Index first, std::vector<Term> terms) {
  std::vector<Entry> out;
  for (Term t : terms) out.push_back(Entry{.term = t, .index = first++, .data = "x"});
  return out;
}

TEST(MemoryLogTest, EmptyLog) {
  MemoryLog log;
  EXPECT_EQ(log.FirstIndex(), 1u);
  EXPECT_EQ(log.LastIndex(), 0u);
  EXPECT_EQ(*log.TermAt(0), 0u);
  EXPECT_TRUE(log.LatestSnapshotMeta().config.empty());
  EXPECT_EQ(MemoryLog::Bootstrap(MakeConfiguration({1, 2})).LatestSnapshotMeta().config,
            MakeConfiguration({1, 2}));
}

TEST(MemoryLogTest, AppendTruncatesConflictingSuffix) {
  MemoryLog log;
  ASSERT_TRUE(log.Append(Entries(1, {1, 1, 2, 2})).ok());
  ASSERT_TRUE(log.Append(Entries(3, {3})).ok());
  EXPECT_EQ(log.LastIndex(), 3u);
  EXPECT_EQ(*log.TermAt(3), 3u);
  EXPECT_EQ(log.Append(Entries(5, {3})).code(), StatusCode::kInvalidArgument);  // gap
}

TEST(MemoryLogTest, EntriesRespectByteCapButReturnOne) {
  MemoryLog log;
  ASSERT_TRUE(log.Append(Entries(1, {1, 1, 1, 1})).ok());
  EXPECT_EQ(log.Entries(1, 5, UINT64_MAX)->size(), 4u);
  EXPECT_EQ(log.Entries(1, 5, 0)->size(), 1u);
  EXPECT_EQ(log.Entries(1, 5, 2 * (1 + 24))->size(), 2u);
}

TEST(MemoryLogTest, SnapshotAndCompact) {
  MemoryLog log;
  ASSERT_TRUE(log.Append(Entries(1, {1, 1, 2, 2, 3})).ok());
  EXPECT_EQ(log.Compact(2).code(), StatusCode::kFailedPrecondition);  // not covered yet
  ASSERT_TRUE(log.CreateSnapshot(3, MakeConfiguration({1}), "state").ok());
  ASSERT_TRUE(log.Compact(3).ok());
  EXPECT_EQ(log.FirstIndex(), 4u);
  EXPECT_EQ(log.LastIndex(), 5u);
  EXPECT_EQ(*log.TermAt(3), 2u);
  EXPECT_EQ(log.TermAt(2).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log.Entries(3, 5, UINT64_MAX).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log.LatestSnapshot()->data, "state");
  EXPECT_EQ(log.Append(Entries(3, {9})).code(), StatusCode::kOutOfRange);
}

TEST(MemoryLogTest, ApplySnapshotReplacesEverything) {
  MemoryLog log;
  ASSERT_TRUE(log.Append(Entries(1, {1, 1})).ok());
  Snapshot snap{SnapshotMeta{10, 4, MakeConfiguration({1, 2, 3})}, "s"};
  ASSERT_TRUE(log.ApplySnapshot(snap).ok());
  EXPECT_EQ(log.FirstIndex(), 11u);
  EXPECT_EQ(log.LastIndex(), 10u);
  EXPECT_EQ(*log.TermAt(10), 4u);
  snap.meta.index = 5;
  EXPECT_EQ(log.ApplySnapshot(snap).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace curve::raft
