#include "raft/storage/log_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <latch>
#include <random>

#include "common/fs/posix_file_system.h"
#include "common/fs/testing/fault_injection_file_system.h"
#include "raft/core/configuration.h"
#include "raft/storage/testing/log_model.h"
#include "raft/storage/wal_format.h"

namespace curve::raft {
namespace {

using fs::testing::FaultInjectionFileSystem;
using testing::LogModel;

std::vector<Entry> Entries(Index first, std::vector<Term> terms, std::string data = "x") {
  std::vector<Entry> out;
  for (Term t : terms)
    out.push_back(Entry{t, first, EntryType::kNormal, data + std::to_string(first++)});
  return out;
}

class LogStoreTest : public ::testing::Test {
 protected:
  LogStoreOptions Options() {
    LogStoreOptions o;
    o.dir = "/log";
    o.fs = &fs_;
    o.segment_bytes = 4096;
    return o;
  }
  std::unique_ptr<LogStore> Open(LogStoreOptions o) {
    Result<std::unique_ptr<LogStore>> store = LogStore::Open(std::move(o));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  std::unique_ptr<LogStore> Open() { return Open(Options()); }

  // Writes `batch` to the store and the model, expecting both to accept it.
  void MustWrite(LogStore& store, const WriteBatch& batch) {
    ASSERT_TRUE(model_.Apply(batch).ok());
    ASSERT_TRUE(store.Write(batch).ok());
  }

  FaultInjectionFileSystem fs_;
  LogModel model_;
};

TEST_F(LogStoreTest, AppendReadTruncateCompactAndReopen) {
  auto store = Open();
  WriteBatch b;
  b.Bootstrap(1, MakeConfiguration({1, 2, 3}));
  b.Append(1, Entries(1, {1, 1, 1, 2, 2, 2, 2, 2, 2, 2}));
  b.SetHardState(1, HardState{2, 1, 4});
  MustWrite(*store, b);
  std::shared_ptr<GroupLog> log = store->Group(1);
  EXPECT_EQ(log->FirstIndex(), 1u);
  EXPECT_EQ(log->LastIndex(), 10u);
  EXPECT_EQ(*log->TermAt(4), 2u);
  EXPECT_EQ(log->LatestSnapshotMeta().config, MakeConfiguration({1, 2, 3}));

  WriteBatch truncate;  // a new leader overwrote 6..10 with two entries of term 3
  truncate.Append(1, Entries(6, {3, 3}, "y"));
  MustWrite(*store, truncate);
  EXPECT_EQ(log->LastIndex(), 7u);
  EXPECT_EQ((*log->Entries(6, 8, UINT64_MAX))[0].data, "y6");

  WriteBatch snap;
  snap.SaveSnapshot(1, Snapshot{SnapshotMeta{5, 2, MakeConfiguration({1, 2, 3})}, "state@5"});
  snap.Compact(1, 4);
  MustWrite(*store, snap);
  EXPECT_EQ(log->FirstIndex(), 5u);
  EXPECT_EQ(*log->TermAt(4), 2u);
  EXPECT_EQ(log->TermAt(3).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log->Entries(4, 6, UINT64_MAX).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log->LatestSnapshot()->data, "state@5");
  EXPECT_EQ(model_.Diff(*store), "");

  store.reset();
  store = Open();
  EXPECT_EQ(model_.Diff(*store), "");
}

TEST_F(LogStoreTest, ManyGroupsInterleavedReopenReproducesEveryGroup) {
  std::mt19937_64 rng(7);
  auto store = Open();
  constexpr int kGroups = 40;
  for (int round = 0; round < 60; ++round) {
    WriteBatch batch;
    for (GroupId g = 1; g <= kGroups; ++g) {
      if (rng() % 3 != 0) continue;
      auto it = model_.groups().find(g);
      Index last = it == model_.groups().end() ? 0 : it->second.LastIndex();
      Index commit = it == model_.groups().end() ? 0 : it->second.InitialHardState().commit;
      Term term = 1 + round / 20;
      std::vector<Entry> e;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
        e.push_back(
            Entry{term, last + 1 + k, EntryType::kNormal, std::string(rng() % 300, 'a' + g % 26)});
      }
      batch.Append(g, e);
      batch.SetHardState(g, HardState{term, g, commit + (last + e.size() - commit) / 2});
    }
    if (!batch.empty()) MustWrite(*store, batch);
    if (round % 15 == 14) {  // every group snapshots at its commit index and compacts
      WriteBatch compact;
      for (const auto& [g, log] : model_.groups()) {
        Index c = log.InitialHardState().commit;
        if (c <= log.LatestSnapshotMeta().index) continue;
        compact.SaveSnapshot(
            g, Snapshot{SnapshotMeta{c, *log.TermAt(c), {}}, "s" + std::to_string(c)});
        compact.Compact(g, c);
      }
      MustWrite(*store, compact);
    }
  }
  ASSERT_EQ(model_.Diff(*store), "");
  EXPECT_GT(store->stats().segments_removed, 0u);
  store.reset();
  store = Open();
  EXPECT_EQ(model_.Diff(*store), "");
  EXPECT_EQ(store->Groups().size(), model_.groups().size());
}

TEST_F(LogStoreTest, RejectsInvalidBatchesWithMemoryLogCodesAndWritesNothing) {
  auto store = Open();
  WriteBatch setup;
  setup.Append(1, Entries(1, {1, 1, 2, 2, 2}));
  setup.SetHardState(1, HardState{2, 0, 3});
  MustWrite(*store, setup);
  WriteBatch snap;  // a snapshot applies before the entries of its batch: a batch of its own
  snap.SaveSnapshot(1, Snapshot{SnapshotMeta{3, 2, {}}, ""});
  snap.Compact(1, 2);
  MustWrite(*store, snap);

  struct Case {
    const char* name;
    std::function<void(WriteBatch&)> build;
    StatusCode code;
  };
  std::vector<Case> cases = {
      {"gap", [](WriteBatch& b) { b.Append(1, Entries(7, {2})); }, StatusCode::kInvalidArgument},
      {"not contiguous",
       [](WriteBatch& b) {
         std::vector<Entry> e = Entries(6, {2, 2});
         e[1].index = 8;
         GroupWrite w;
         w.group = 1;
         w.entries = e;
         b.mutable_writes().push_back(w);
       },
       StatusCode::kInvalidArgument},
      {"at compaction point", [](WriteBatch& b) { b.Append(1, Entries(2, {3})); },
       StatusCode::kOutOfRange},
      {"truncates the snapshot", [](WriteBatch& b) { b.Append(1, Entries(3, {3})); },
       StatusCode::kInvalidArgument},
      {"truncates committed",
       [](WriteBatch& b) {
         b.Append(1, Entries(4, {3}));
         b.SetHardState(1, HardState{3, 0, 5});
       },
       StatusCode::kInvalidArgument},
      {"compact beyond snapshot", [](WriteBatch& b) { b.Compact(1, 4); },
       StatusCode::kFailedPrecondition},
      {"install older snapshot",
       [](WriteBatch& b) {
         b.InstallSnapshot(1, Snapshot{SnapshotMeta{2, 1, {}}, ""});
       },
       StatusCode::kFailedPrecondition},
      {"snapshot past the log",
       [](WriteBatch& b) {
         b.SaveSnapshot(1, Snapshot{SnapshotMeta{9, 2, {}}, "x"});
       },
       StatusCode::kOutOfRange},
      {"snapshot with wrong term",
       [](WriteBatch& b) {
         b.SaveSnapshot(1, Snapshot{SnapshotMeta{4, 1, {}}, "x"});
       },
       StatusCode::kInvalidArgument},
      {"commit past the log",
       [](WriteBatch& b) {
         b.SetHardState(1, HardState{2, 0, 6});
       },
       StatusCode::kInvalidArgument},
      {"removal with more",
       [](WriteBatch& b) {
         b.RemoveGroup(1);
         b.SetHardState(1, HardState{});
       },
       StatusCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    WriteBatch b;
    b.Append(2, Entries(1, {1}));  // a valid part for another group: must not be written either
    c.build(b);
    EXPECT_EQ(model_.Apply(b).code(), c.code) << c.name;
    EXPECT_EQ(store->Write(b).code(), c.code) << c.name;
    EXPECT_EQ(store->Group(2)->LastIndex(), 0u) << c.name;
  }
  EXPECT_EQ(model_.Diff(*store), "");
  EXPECT_EQ(store->stats().rejected, cases.size());
}

TEST_F(LogStoreTest, SnapshotPayloadsLiveInFilesThatFollowTheLog) {
  auto store = Open();
  WriteBatch install;
  install.InstallSnapshot(5, Snapshot{SnapshotMeta{100, 7, MakeConfiguration({1, 2})}, "p1"});
  install.Append(5, Entries(101, {7, 7}));
  MustWrite(*store, install);
  auto payloads = [&] {
    int n = 0;
    for (const std::string& path : fs_.ListAll()) n += path.starts_with("/log/snap/");
    return n;
  };
  EXPECT_EQ(payloads(), 1);
  EXPECT_EQ(store->Group(5)->LatestSnapshot()->data, "p1");
  EXPECT_EQ(store->Group(5)->FirstIndex(), 101u);

  WriteBatch newer;
  newer.SaveSnapshot(5, Snapshot{SnapshotMeta{102, 7, MakeConfiguration({1, 2})}, "p2"});
  MustWrite(*store, newer);
  EXPECT_EQ(payloads(), 1);  // the superseded payload is deleted
  store.reset();
  store = Open();
  EXPECT_EQ(model_.Diff(*store), "");

  WriteBatch remove;
  remove.RemoveGroup(5);
  MustWrite(*store, remove);
  EXPECT_EQ(payloads(), 0);
  EXPECT_TRUE(store->Groups().empty());
  store.reset();
  store = Open();
  EXPECT_TRUE(store->Groups().empty());
  EXPECT_EQ(store->Group(5)->LastIndex(), 0u);
}

TEST_F(LogStoreTest, EntriesAreReadBackFromDiskWhenNotCached) {
  LogStoreOptions o = Options();
  o.cache_bytes_per_group = 0;
  auto store = Open(o);
  for (Index i = 1; i <= 50; i += 5) {
    WriteBatch b;
    b.Append(1, Entries(i, {1, 1, 1, 1, 1}, std::string(100, 'd')));
    MustWrite(*store, b);
  }
  EXPECT_EQ(model_.Diff(*store), "");
  Result<std::vector<Entry>> some = store->Group(1)->Entries(3, 40, 5 * 130);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->size(), 5u);                                // byte cap
  EXPECT_EQ(store->Group(1)->Entries(3, 40, 0)->size(), 1u);  // but at least one
  EXPECT_GT(store->Group(1)->disk_reads(), 0u);
  EXPECT_EQ(store->Group(1)->cache_hits(), 0u);

  o.cache_bytes_per_group = 1 << 20;
  store.reset();
  store = Open(o);
  WriteBatch more;
  more.Append(1, Entries(51, {2, 2}));
  MustWrite(*store, more);
  uint64_t disk = store->Group(1)->disk_reads();
  EXPECT_EQ(store->Group(1)->Entries(51, 53, UINT64_MAX)->size(), 2u);
  EXPECT_EQ(store->Group(1)->disk_reads(), disk);
  EXPECT_EQ(store->Group(1)->cache_hits(), 2u);
}

TEST_F(LogStoreTest, AsyncWritesCompleteInQueueOrder) {
  auto store = Open();
  std::vector<int> order;
  std::mutex mu;
  std::latch done(20);
  for (int i = 0; i < 20; ++i) {
    WriteBatch b;
    b.Append(1 + i % 3, Entries(1 + i / 3, {1}));
    ASSERT_TRUE(model_.Apply(b).ok());
    store->WriteAsync(std::move(b), [&, i](Status s) {
      EXPECT_TRUE(s.ok()) << s;
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
      done.count_down();
    });
  }
  done.wait();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(model_.Diff(*store), "");
}

TEST_F(LogStoreTest, WriteFromACompletionCallbackIsRefused) {
  auto store = Open();
  std::promise<Status> inner;
  WriteBatch b;
  b.Append(1, Entries(1, {1}));
  store->WriteAsync(std::move(b), [&](Status) { inner.set_value(store->Write(WriteBatch())); });
  EXPECT_EQ(inner.get_future().get().code(), StatusCode::kFailedPrecondition);
}

TEST_F(LogStoreTest, IoErrorFailsTheStoreUntilReopened) {
  auto store = Open();
  WriteBatch first;
  first.Append(1, Entries(1, {1, 1}));
  MustWrite(*store, first);
  fs_.FailOp(FaultInjectionFileSystem::Op::kSync);
  WriteBatch second;
  second.Append(1, Entries(3, {1}));
  EXPECT_EQ(store->Write(second).code(), StatusCode::kInternal);
  WriteBatch third;
  third.Append(2, Entries(1, {1}));
  Status later = store->Write(third);
  EXPECT_EQ(later.code(), StatusCode::kInternal);
  EXPECT_NE(later.message().find("failed earlier"), std::string::npos) << later;
  store.reset();
  store = Open();
  EXPECT_EQ(*store->Group(1)->Entries(1, 3, UINT64_MAX), Entries(1, {1, 1}));
  EXPECT_EQ(store->Group(2)->LastIndex(), 0u);
}

TEST_F(LogStoreTest, SyncOffReopensAfterCleanClose) {
  LogStoreOptions o = Options();
  o.sync = false;
  auto store = Open(o);
  uint64_t syncs = fs_.Count(FaultInjectionFileSystem::Op::kSync);
  for (Index i = 1; i <= 30; ++i) {
    WriteBatch b;
    b.Append(1, Entries(i, {1}, std::string(200, 'q')));
    MustWrite(*store, b);
  }
  // Only segment rolls sync (the old segment and the new header).
  EXPECT_LT(fs_.Count(FaultInjectionFileSystem::Op::kSync) - syncs, 10u);
  store.reset();
  store = Open();
  EXPECT_EQ(model_.Diff(*store), "");
}

// Frames overwrite zeros written ahead of them, so a sync never has to commit a new file size;
// a crash leaves the zeros behind (recovery drops them), a clean close trims them.
TEST_F(LogStoreTest, ActiveSegmentIsZeroFilledAheadAndTrimmedOnClose) {
  auto frames_end = [](const std::string& data) {
    uint64_t off = wal::kSegmentHeaderSize;
    while (off + wal::kFrameHeaderSize <= data.size()) {
      uint32_t length = wal::DecodeFixed32(data.data() + off + 4);
      if (length == 0) break;
      off += wal::kFrameHeaderSize + length;
    }
    return off;
  };
  auto store = Open();
  for (Index i = 1; i <= 3; ++i) {
    WriteBatch b;
    b.Append(1, Entries(i, {1}, std::string(100, 'z')));
    MustWrite(*store, b);
  }
  std::string path = "/log/" + wal::SegmentName(store->SegmentSeqs().back());
  std::string data = *fs_.Contents(path);
  uint64_t end = frames_end(data);
  EXPECT_EQ(data.size(), Options().segment_bytes);
  EXPECT_GT(end, wal::kSegmentHeaderSize + 300);
  EXPECT_EQ(data.find_first_not_of('\0', end), std::string::npos);

  fs_.RestartDroppingUnsynced();  // power cut: the zeros are on disk behind the last frame
  store.reset();
  store = Open();
  EXPECT_EQ(model_.Diff(*store), "");
  EXPECT_EQ(fs_.Contents(path)->size(), end);  // dropped at recovery

  WriteBatch b;
  b.Append(1, Entries(4, {1}));
  MustWrite(*store, b);
  path = "/log/" + wal::SegmentName(store->SegmentSeqs().back());
  store.reset();
  data = *fs_.Contents(path);
  EXPECT_EQ(data.size(), frames_end(data));
  EXPECT_GT(data.size(), wal::kSegmentHeaderSize);
  store = Open();
  EXPECT_EQ(model_.Diff(*store), "");
}

TEST_F(LogStoreTest, BadOptionsAreInvalidArgument) {
  LogStoreOptions o = Options();
  o.segment_bytes = 10;
  EXPECT_EQ(LogStore::Open(o).status().code(), StatusCode::kInvalidArgument);
  o = Options();
  o.dir = "";
  EXPECT_EQ(LogStore::Open(o).status().code(), StatusCode::kInvalidArgument);
}

// The same store on the real file system (PosixFileSystem), in a temporary directory.
TEST(PosixLogStoreTest, WritesSurviveReopenOnDisk) {
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("curve-log-store-test-" + std::to_string(::getpid())))
                        .string();
  std::filesystem::remove_all(dir);
  LogStoreOptions o;
  o.dir = dir;
  o.segment_bytes = 8192;
  LogModel model;
  {
    auto store = std::move(LogStore::Open(o)).value();
    for (Index i = 1; i <= 40; ++i) {
      WriteBatch b;
      b.Append(i % 4, Entries(1 + (i - 1) / 4, {1}, std::string(500, 'p')));
      b.SetHardState(i % 4, HardState{1, 1, (i - 1) / 4});
      if (i == 20) b.SaveSnapshot(i % 4, Snapshot{SnapshotMeta{4, 1, {}}, "payload"});
      ASSERT_TRUE(model.Apply(b).ok());
      ASSERT_TRUE(store->Write(b).ok());
    }
  }
  {
    auto store = std::move(LogStore::Open(o)).value();
    EXPECT_EQ(model.Diff(*store), "");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace curve::raft
