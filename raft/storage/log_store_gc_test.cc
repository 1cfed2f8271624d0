// Garbage collection of segments: removal once every group has compacted, and a bounded log
// while idle or never-compacting groups pin old segments (their records are copied forward).

#include <gtest/gtest.h>

#include "common/fs/testing/fault_injection_file_system.h"
#include "raft/storage/log_store.h"
#include "raft/storage/testing/log_model.h"
#include "raft/storage/wal_format.h"

namespace curve::raft {
namespace {

using fs::testing::FaultInjectionFileSystem;
using testing::LogModel;

class LogStoreGcTest : public ::testing::Test {
 protected:
  LogStoreOptions Options() {
    LogStoreOptions o;
    o.dir = "/wal";
    o.fs = &fs_;
    o.segment_bytes = 4096;
    o.max_segments = 4;
    return o;
  }
  void MustWrite(LogStore& store, const WriteBatch& b) {
    ASSERT_TRUE(model_.Apply(b).ok());
    ASSERT_TRUE(store.Write(b).ok());
  }
  void AppendTo(LogStore& store, GroupId g, size_t bytes, bool commit) {
    auto it = model_.groups().find(g);
    Index next = it == model_.groups().end() ? 1 : it->second.LastIndex() + 1;
    WriteBatch b;
    b.Append(g, {Entry{1, next, EntryType::kNormal, std::string(bytes, 'a' + g % 26)}});
    if (commit) b.SetHardState(g, HardState{1, 1, next});
    MustWrite(store, b);
  }
  void SnapshotAndCompact(LogStore& store, GroupId g) {
    const MemoryLog& log = model_.groups().at(g);
    Index c = log.InitialHardState().commit;
    WriteBatch b;
    b.SaveSnapshot(g, Snapshot{SnapshotMeta{c, *log.TermAt(c), {}}, ""});
    b.Compact(g, c);
    b.SetHardState(g, log.InitialHardState());
    MustWrite(store, b);
  }
  size_t SegmentFiles() {
    size_t n = 0;
    for (const std::string& p : fs_.ListAll()) {
      n += wal::ParseSegmentName(p.substr(p.rfind('/') + 1)).has_value();
    }
    return n;
  }

  FaultInjectionFileSystem fs_;
  LogModel model_;
};

TEST_F(LogStoreGcTest, SegmentsAreRemovedOnceEveryGroupHasCompacted) {
  LogStoreOptions o = Options();
  o.max_segments = 1000;  // no relocation: only plain removal
  auto store = std::move(LogStore::Open(o)).value();
  for (int i = 0; i < 60; ++i) AppendTo(*store, 1 + i % 5, 500, true);
  ASSERT_GE(store->SegmentSeqs().size(), 6u);
  for (GroupId g = 1; g <= 5; ++g) SnapshotAndCompact(*store, g);
  ASSERT_TRUE(store->CollectGarbage().ok());
  EXPECT_LE(store->SegmentSeqs().size(), 2u);
  EXPECT_EQ(SegmentFiles(), store->SegmentSeqs().size());
  EXPECT_EQ(store->stats().relocated_bytes, 0u);
  EXPECT_EQ(model_.Diff(*store), "");
  store.reset();
  store = std::move(LogStore::Open(o)).value();
  EXPECT_EQ(model_.Diff(*store), "");
}

TEST_F(LogStoreGcTest, AnIdleGroupDoesNotPinTheLogForever) {
  auto store = std::move(LogStore::Open(Options())).value();
  AppendTo(*store, 99, 100, true);  // then never written again, never compacted
  size_t most = 0;
  for (int i = 0; i < 400; ++i) {
    GroupId g = 1 + i % 4;
    AppendTo(*store, g, 400, true);
    if ((i / 4) % 2 == 1) SnapshotAndCompact(*store, g);  // every other write of each group
    most = std::max(most, store->SegmentSeqs().size());
  }
  EXPECT_GT(store->stats().segments_removed, 20u);
  EXPECT_GT(store->stats().relocated_bytes, 0u);
  EXPECT_LE(most, Options().max_segments + 2);
  EXPECT_EQ(SegmentFiles(), store->SegmentSeqs().size());
  EXPECT_EQ(model_.Diff(*store), "");
  store.reset();
  store = std::move(LogStore::Open(Options())).value();
  EXPECT_EQ(model_.Diff(*store), "");
}

TEST_F(LogStoreGcTest, ANeverCompactingGroupStaysBoundedByItsLiveData) {
  LogStoreOptions o = Options();
  o.cache_bytes_per_group = 0;  // relocation reads every entry back from disk
  auto store = std::move(LogStore::Open(o)).value();
  size_t live = 0;
  size_t most = 0;
  for (int i = 0; i < 600; ++i) {
    if (i % 25 == 0) {  // the lagging group grows slowly and never compacts
      AppendTo(*store, 7, 150, false);
      live += 150;
    }
    GroupId g = 1 + i % 3;
    AppendTo(*store, g, 300, true);
    if ((i / 3) % 2 == 1) SnapshotAndCompact(*store, g);
    most = std::max(most, store->SegmentSeqs().size());
  }
  // Group 7's entries were copied forward several times, so they are no longer stored in index
  // order; they must still read back exactly, now and after a restart.
  EXPECT_GT(store->stats().relocated_bytes, 2 * live);
  EXPECT_LE(most, o.max_segments + 2 + live / o.segment_bytes);
  EXPECT_EQ(model_.Diff(*store), "");
  store.reset();
  store = std::move(LogStore::Open(o)).value();
  EXPECT_EQ(model_.Diff(*store), "");
}

}  // namespace
}  // namespace curve::raft
