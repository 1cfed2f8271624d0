// The LogReader contract (raft/core/log_reader.h), checked the same way against MemoryLog (the
// reference the raft core is tested with) and against the disk log (GroupLog over LogStore),
// both with the store kept open and reopened after every change.

#include <gtest/gtest.h>

#include "common/fs/testing/fault_injection_file_system.h"
#include "raft/core/configuration.h"
#include "raft/core/memory_log.h"
#include "raft/storage/log_store.h"

namespace curve::raft {
namespace {

// A log plus the mutations a driver performs, whatever the implementation.
class LogUnderTest {
 public:
  virtual ~LogUnderTest() = default;
  virtual const LogReader& reader() = 0;
  virtual Status Append(std::vector<Entry> entries) = 0;
  virtual Status SetHardState(const HardState& hs) = 0;
  virtual Status CreateSnapshot(Index index, const Configuration& config, std::string data) = 0;
  virtual Status ApplySnapshot(const Snapshot& snapshot) = 0;
  virtual Status Compact(Index index) = 0;
};

class MemoryUnderTest final : public LogUnderTest {
 public:
  explicit MemoryUnderTest(const Configuration& config) : log_(MemoryLog::Bootstrap(config)) {}
  const LogReader& reader() override { return log_; }
  Status Append(std::vector<Entry> entries) override { return log_.Append(entries); }
  Status SetHardState(const HardState& hs) override {
    log_.SetHardState(hs);
    return Status::Ok();
  }
  Status CreateSnapshot(Index index, const Configuration& config, std::string data) override {
    return log_.CreateSnapshot(index, config, std::move(data));
  }
  Status ApplySnapshot(const Snapshot& snapshot) override { return log_.ApplySnapshot(snapshot); }
  Status Compact(Index index) override { return log_.Compact(index); }

 private:
  MemoryLog log_;
};

class DiskUnderTest final : public LogUnderTest {
 public:
  DiskUnderTest(const Configuration& config, bool reopen) : reopen_(reopen) {
    Reopen();
    if (!config.empty()) {
      WriteBatch b;
      b.Bootstrap(kGroup, config);
      EXPECT_TRUE(Write(std::move(b)).ok());
    }
  }
  const LogReader& reader() override { return *store_->Group(kGroup); }
  Status Append(std::vector<Entry> entries) override {
    WriteBatch b;
    b.Append(kGroup, std::move(entries));
    return Write(std::move(b));
  }
  Status SetHardState(const HardState& hs) override {
    WriteBatch b;
    b.SetHardState(kGroup, hs);
    return Write(std::move(b));
  }
  Status CreateSnapshot(Index index, const Configuration& config, std::string data) override {
    Term term = 0;
    const LogReader& r = reader();
    if (index >= r.LatestSnapshotMeta().index && index <= r.LastIndex()) term = *r.TermAt(index);
    WriteBatch b;
    b.SaveSnapshot(kGroup, Snapshot{SnapshotMeta{index, term, config}, std::move(data)});
    return Write(std::move(b));
  }
  Status ApplySnapshot(const Snapshot& snapshot) override {
    WriteBatch b;
    b.InstallSnapshot(kGroup, snapshot);
    return Write(std::move(b));
  }
  Status Compact(Index index) override {
    WriteBatch b;
    b.Compact(kGroup, index);
    return Write(std::move(b));
  }

 private:
  static constexpr GroupId kGroup = 9;

  Status Write(WriteBatch batch) {
    Status s = store_->Write(std::move(batch));
    if (reopen_) Reopen();
    return s;
  }
  void Reopen() {
    store_.reset();
    LogStoreOptions o;
    o.dir = "/wal";
    o.fs = &fs_;
    o.segment_bytes = 2048;
    o.cache_bytes_per_group = 64;
    store_ = std::move(LogStore::Open(o)).value();
  }

  bool reopen_;
  fs::testing::FaultInjectionFileSystem fs_;
  std::unique_ptr<LogStore> store_;
};

enum class Impl { kMemory, kDisk, kDiskReopened };

class LogReaderConformanceTest : public ::testing::TestWithParam<Impl> {
 protected:
  std::unique_ptr<LogUnderTest> Make(const Configuration& config = {}) {
    switch (GetParam()) {
      case Impl::kMemory:
        return std::make_unique<MemoryUnderTest>(config);
      case Impl::kDisk:
        return std::make_unique<DiskUnderTest>(config, false);
      case Impl::kDiskReopened:
        return std::make_unique<DiskUnderTest>(config, true);
    }
    return nullptr;
  }
};

std::vector<Entry> MakeRun(Index first, std::vector<Term> terms) {
  std::vector<Entry> out;
  for (Term t : terms) {
    out.push_back(Entry{t, first, EntryType::kNormal, std::string(10, 'a' + first % 26)});
    ++first;
  }
  return out;
}

TEST_P(LogReaderConformanceTest, EmptyAndBootstrappedLogs) {
  auto log = Make();
  const LogReader& r = log->reader();
  EXPECT_EQ(r.FirstIndex(), 1u);
  EXPECT_EQ(r.LastIndex(), 0u);
  EXPECT_EQ(*r.TermAt(0), 0u);
  EXPECT_EQ(r.InitialHardState(), HardState{});
  EXPECT_EQ(r.LatestSnapshotMeta(), SnapshotMeta{});
  EXPECT_TRUE(r.Entries(1, 1, UINT64_MAX)->empty());
  EXPECT_EQ(r.LatestSnapshot()->data, "");

  auto boot = Make(MakeConfiguration({1, 2, 3}));
  EXPECT_EQ(boot->reader().LatestSnapshotMeta().config, MakeConfiguration({1, 2, 3}));
  EXPECT_EQ(boot->reader().LatestSnapshotMeta().index, 0u);
}

TEST_P(LogReaderConformanceTest, TermsAndEntriesWithinTheStoredRange) {
  auto log = Make();
  ASSERT_TRUE(log->Append(MakeRun(1, {1, 1, 2, 3, 3})).ok());
  ASSERT_TRUE(log->SetHardState(HardState{3, 2, 4}).ok());
  const LogReader& r = log->reader();
  EXPECT_EQ(r.InitialHardState(), (HardState{3, 2, 4}));
  for (Index i = 0; i <= 5; ++i) EXPECT_TRUE(log->reader().TermAt(i).ok()) << i;
  EXPECT_EQ(*log->reader().TermAt(3), 2u);
  EXPECT_EQ(log->reader().TermAt(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*log->reader().Entries(1, 6, UINT64_MAX), MakeRun(1, {1, 1, 2, 3, 3}));
  EXPECT_EQ(log->reader().Entries(2, 6, 0)->size(), 1u);  // at least one entry
  EXPECT_EQ(log->reader().Entries(2, 6, 2 * 34)->size(), 2u);
  EXPECT_EQ(log->reader().Entries(2, 7, UINT64_MAX).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->reader().Entries(4, 3, UINT64_MAX).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(LogReaderConformanceTest, AppendReplacesTheConflictingSuffix) {
  auto log = Make();
  ASSERT_TRUE(log->Append(MakeRun(1, {1, 1, 1, 1})).ok());
  ASSERT_TRUE(log->Append(MakeRun(3, {2})).ok());
  EXPECT_EQ(log->reader().LastIndex(), 3u);
  EXPECT_EQ(*log->reader().TermAt(3), 2u);
  EXPECT_EQ(log->Append(MakeRun(5, {2})).code(), StatusCode::kInvalidArgument);  // gap
  EXPECT_EQ(*log->reader().Entries(1, 4, UINT64_MAX), MakeRun(1, {1, 1, 2}));
}

TEST_P(LogReaderConformanceTest, CompactionPointAnswersTermButNotEntries) {
  auto log = Make();
  ASSERT_TRUE(log->Append(MakeRun(1, {1, 1, 2, 2, 3, 3})).ok());
  EXPECT_EQ(log->Compact(3).code(), StatusCode::kFailedPrecondition);  // no snapshot covers it
  EXPECT_EQ(log->CreateSnapshot(9, {}, "x").code(), StatusCode::kOutOfRange);
  ASSERT_TRUE(log->CreateSnapshot(4, MakeConfiguration({1, 2}), "state@4").ok());
  ASSERT_TRUE(log->Compact(3).ok());
  const LogReader& r = log->reader();
  EXPECT_EQ(r.FirstIndex(), 4u);
  EXPECT_EQ(log->reader().LastIndex(), 6u);
  EXPECT_EQ(*log->reader().TermAt(3), 2u);
  EXPECT_EQ(log->reader().TermAt(2).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log->reader().Entries(3, 5, UINT64_MAX).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(*log->reader().Entries(4, 7, UINT64_MAX), MakeRun(4, {2, 3, 3}));
  SnapshotMeta meta = log->reader().LatestSnapshotMeta();
  EXPECT_EQ(meta, (SnapshotMeta{4, 2, MakeConfiguration({1, 2})}));
  EXPECT_GE(meta.index + 1, log->reader().FirstIndex());
  EXPECT_EQ(log->reader().LatestSnapshot()->data, "state@4");
  EXPECT_EQ(log->Append(MakeRun(3, {9})).code(), StatusCode::kOutOfRange);
  ASSERT_TRUE(log->Compact(2).ok());  // already compacted: no-op
  EXPECT_EQ(log->reader().FirstIndex(), 4u);
}

TEST_P(LogReaderConformanceTest, AppliedSnapshotReplacesTheWholeLog) {
  auto log = Make();
  ASSERT_TRUE(log->Append(MakeRun(1, {1, 1})).ok());
  Snapshot snap{SnapshotMeta{10, 4, MakeConfiguration({1, 2, 3})}, "s"};
  ASSERT_TRUE(log->ApplySnapshot(snap).ok());
  const LogReader& r = log->reader();
  EXPECT_EQ(r.FirstIndex(), 11u);
  EXPECT_EQ(log->reader().LastIndex(), 10u);
  EXPECT_EQ(*log->reader().TermAt(10), 4u);
  EXPECT_EQ(*log->reader().LatestSnapshot(), snap);
  snap.meta.index = 5;
  EXPECT_EQ(log->ApplySnapshot(snap).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(log->Append(MakeRun(11, {4, 5})).ok());
  EXPECT_EQ(*log->reader().Entries(11, 13, UINT64_MAX), MakeRun(11, {4, 5}));
}

INSTANTIATE_TEST_SUITE_P(Logs, LogReaderConformanceTest,
                         ::testing::Values(Impl::kMemory, Impl::kDisk, Impl::kDiskReopened),
                         [](const ::testing::TestParamInfo<Impl>& info) {
                           switch (info.param) {
                             case Impl::kMemory:
                               return "MemoryLog";
                             case Impl::kDisk:
                               return "DiskLog";
                             case Impl::kDiskReopened:
                               return "DiskLogReopened";
                           }
                           return "unknown";
                         });

}  // namespace
}  // namespace curve::raft
