// Group commit: concurrent writers share fdatasyncs. Syncs are counted through the file-system
// seam; overlap is forced deterministically by parking the writer thread inside a sync
// (FaultInjectionFileSystem::BlockSyncs) until every other writer has queued its batch.

#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <latch>
#include <thread>

#include "common/fs/testing/fault_injection_file_system.h"
#include "raft/storage/log_store.h"

namespace curve::raft {
namespace {

using fs::testing::FaultInjectionFileSystem;
using Op = FaultInjectionFileSystem::Op;

WriteBatch OneEntry(GroupId group, Index index) {
  WriteBatch b;
  b.Append(group, {Entry{1, index, EntryType::kNormal, std::string(4096, 'g')}});
  b.SetHardState(group, HardState{1, 1, index - 1});
  return b;
}

class GroupCommitTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogStore> Open(std::function<void()> on_enqueue = nullptr) {
    LogStoreOptions o;
    o.dir = "/wal";
    o.fs = &fs_;
    o.on_enqueue = std::move(on_enqueue);
    return std::move(LogStore::Open(o)).value();
  }
  FaultInjectionFileSystem fs_;
};

TEST_F(GroupCommitTest, ConcurrentWritersShareOneSyncPerRound) {
  constexpr int kWriters = 32;
  constexpr int kWaves = 10;
  std::atomic<std::latch*> enqueued{nullptr};
  auto store = Open([&] {
    if (std::latch* l = enqueued.load()) l->count_down();
  });
  uint64_t syncs_before = fs_.Count(Op::kSync);
  for (int wave = 0; wave < kWaves; ++wave) {
    std::latch all_queued(kWriters);
    enqueued = &all_queued;
    fs_.BlockSyncs();
    std::vector<std::thread> writers;
    writers.emplace_back([&] { EXPECT_TRUE(store->Write(OneEntry(1, wave + 1)).ok()); });
    fs_.WaitForBlockedSyncs(1);  // the writer thread is inside the first writer's sync
    for (int t = 1; t < kWriters; ++t) {
      writers.emplace_back([&, t] { EXPECT_TRUE(store->Write(OneEntry(1 + t, wave + 1)).ok()); });
    }
    all_queued.wait();  // every other writer's batch is queued behind that sync
    enqueued = nullptr;
    fs_.UnblockSyncs();
    for (std::thread& t : writers) t.join();
  }
  uint64_t syncs = fs_.Count(Op::kSync) - syncs_before;
  uint64_t writes = kWriters * kWaves;
  std::cout << "group commit (forced overlap): writes=" << writes << " syncs=" << syncs
            << " rounds=" << store->stats().rounds << "\n";
  EXPECT_EQ(syncs, 2u * kWaves);  // the first writer's round, then everybody else's
  EXPECT_LT(syncs, writes / 2);
  EXPECT_EQ(store->stats().batches, writes);
  for (GroupId g = 1; g <= kWriters; ++g) EXPECT_EQ(store->Group(g)->LastIndex(), uint64_t{kWaves});
}

TEST_F(GroupCommitTest, FreeRunningWritersWithDiskLikeSyncsCoalesce) {
  constexpr int kWriters = 16;
  constexpr int kWritesEach = 40;
  fs_.SetSyncDelay(std::chrono::microseconds(500));
  auto store = Open();
  uint64_t syncs_before = fs_.Count(Op::kSync);
  std::latch start(kWriters);
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 1; i <= kWritesEach; ++i) {
        EXPECT_TRUE(store->Write(OneEntry(100 + t, i)).ok());
      }
    });
  }
  for (std::thread& t : writers) t.join();
  uint64_t syncs = fs_.Count(Op::kSync) - syncs_before;
  uint64_t writes = kWriters * kWritesEach;
  std::cout << "group commit (free running, 0.5 ms syncs): writes=" << writes << " syncs=" << syncs
            << "\n";
  EXPECT_LT(syncs, writes / 2);
}

TEST_F(GroupCommitTest, OneBatchForManyGroupsIsOneSync) {
  auto store = Open();
  uint64_t syncs_before = fs_.Count(Op::kSync);
  WriteBatch b;
  for (GroupId g = 1; g <= 100; ++g) {
    b.Append(g, {Entry{1, 1, EntryType::kNormal, "e"}});
    b.SetHardState(g, HardState{1, g, 0});
  }
  ASSERT_TRUE(store->Write(b).ok());
  EXPECT_EQ(fs_.Count(Op::kSync) - syncs_before, 1u);
  EXPECT_EQ(store->Groups().size(), 100u);
}

TEST_F(GroupCommitTest, BatchesOfOneGroupAreNeverValidatedAgainstEachOther) {
  std::atomic<int> queued{0};
  auto store = Open([&] { ++queued; });
  fs_.BlockSyncs();
  std::latch done(6);
  store->WriteAsync(OneEntry(1, 1), [&](Status s) {
    EXPECT_TRUE(s.ok()) << s;
    done.count_down();
  });
  fs_.WaitForBlockedSyncs(1);
  for (Index i = 2; i <= 6; ++i) {  // each continues the previous one, still in flight
    store->WriteAsync(OneEntry(1, i), [&](Status s) {
      EXPECT_TRUE(s.ok()) << s;
      done.count_down();
    });
  }
  fs_.UnblockSyncs();
  done.wait();
  EXPECT_EQ(store->Group(1)->LastIndex(), 6u);
  EXPECT_EQ(store->stats().rounds, 6u);  // one batch per group per round
}

}  // namespace
}  // namespace curve::raft
