// Crash recovery of LogStore under the fault-injecting file system: seeded random workloads over
// many groups with power cuts and I/O errors at random points, plus targeted damage (torn tail,
// corrupt middle segment, missing segment, damaged payload).
//
// Environment: CURVE_STORAGE_CRASH_SEEDS (default 200) seeds starting at
// CURVE_STORAGE_CRASH_FIRST_SEED (default 1). A failure prints its seed; odd seeds are fully
// deterministic (one batch per group commit), even seeds also issue bursts of asynchronous
// writes whose grouping into commits depends on thread timing.

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <latch>
#include <random>

#include "common/fs/testing/fault_injection_file_system.h"
#include "common/logging.h"
#include "raft/core/configuration.h"
#include "raft/storage/log_store.h"
#include "raft/storage/testing/log_model.h"
#include "raft/storage/wal_format.h"

namespace curve::raft {
namespace {

using fs::testing::FaultInjectionFileSystem;
using testing::LogModel;

constexpr GroupId kGroups = 6;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : std::strtoull(v, nullptr, 10);
}

bool IsValidationCode(StatusCode code) {
  return code == StatusCode::kInvalidArgument || code == StatusCode::kOutOfRange ||
         code == StatusCode::kFailedPrecondition;
}

class Workload {
 public:
  explicit Workload(uint64_t seed) : rng_(seed) {}
  std::mt19937_64& rng() { return rng_; }

  // A random batch for 1-3 groups, valid against `model` except for a rare deliberate mistake.
  WriteBatch Next(const LogModel& model) {
    WriteBatch b;
    int groups = 1 + static_cast<int>(rng_() % 3);
    for (int k = 0; k < groups; ++k) {
      GroupId g = 1 + rng_() % kGroups;
      bool used = false;
      for (const GroupWrite& w : b.writes()) used = used || w.group == g;
      if (used) continue;
      auto it = model.groups().find(g);
      AddFor(g, it == model.groups().end() ? MemoryLog() : it->second, &b);
    }
    return b;
  }

 private:
  std::vector<Entry> Run(Index first, int count, Term term) {
    std::vector<Entry> out;
    for (int i = 0; i < count; ++i) {
      size_t size = rng_() % 8 == 0 ? 1000 + rng_() % 2000 : rng_() % 120;
      std::string data(size, '\0');
      for (char& c : data) c = static_cast<char>('a' + rng_() % 26);
      out.push_back(Entry{term, first + i, static_cast<EntryType>(rng_() % 3), std::move(data)});
    }
    return out;
  }
  Configuration Config() { return MakeConfiguration({1 + rng_() % 5, 1 + rng_() % 5}); }
  std::string Payload() { return rng_() % 3 == 0 ? "" : "payload-" + std::to_string(rng_()); }

  void AddFor(GroupId g, const MemoryLog& log, WriteBatch* b) {
    Index first = log.FirstIndex();
    Index last = log.LastIndex();
    HardState hs = log.InitialHardState();
    SnapshotMeta snap = log.LatestSnapshotMeta();
    Term last_term = *log.TermAt(last);
    int op = static_cast<int>(rng_() % 100);
    if (op < 50) {
      Index floor = std::max({snap.index, hs.commit, first - 1});
      Index start = last + 1;
      Term term = std::max(hs.term, last_term);
      if (last > floor && rng_() % 4 == 0) {
        start = floor + 1 + rng_() % (last - floor);
        ++term;
      }
      int count = 1 + static_cast<int>(rng_() % 4);
      b->Append(g, Run(start, count, term));
      if (rng_() % 2 == 0) {
        Index new_last = start + count - 1;
        Index commit = std::min(hs.commit, new_last);
        commit += rng_() % (new_last - commit + 1);
        b->SetHardState(g, HardState{term, rng_() % 4, commit});
      }
    } else if (op < 65) {
      Index commit = hs.commit + rng_() % (last - hs.commit + 1);
      b->SetHardState(g, HardState{hs.term + rng_() % 2, rng_() % 4, commit});
    } else if (op < 82) {
      if (hs.commit < snap.index) return;
      Index index = snap.index + rng_() % (hs.commit - snap.index + 1);
      b->SaveSnapshot(g, Snapshot{SnapshotMeta{index, *log.TermAt(index), Config()}, Payload()});
      if (rng_() % 2 == 0) b->Compact(g, first - 1 + rng_() % (index - first + 2));
    } else if (op < 90) {
      Index index = last + 1 + rng_() % 5;
      Term term = std::max(last_term, hs.term) + rng_() % 2;
      b->InstallSnapshot(g, Snapshot{SnapshotMeta{index, term, Config()}, Payload()});
      if (rng_() % 2 == 0) b->Append(g, Run(index + 1, 1 + static_cast<int>(rng_() % 3), term));
    } else if (op < 95) {
      if (snap.index >= first) b->Compact(g, first + rng_() % (snap.index - first + 1));
    } else if (op < 97) {
      b->RemoveGroup(g);
    } else {
      b->Append(g, Run(last + 2, 1, last_term));  // a gap: both must refuse it
    }
  }

  std::mt19937_64 rng_;
};

struct CrashStats {
  uint64_t power_cuts = 0;
  uint64_t io_errors = 0;
  uint64_t acknowledged = 0;
  uint64_t refused = 0;
  uint64_t unacknowledged_recovered = 0;  // recovered state was a candidate, not the acked one
  uint64_t relocated_bytes = 0;
  uint64_t segments_removed = 0;
};

// Runs one seed; returns "" or what went wrong.
std::string RunSeed(uint64_t seed, int cycles, int steps, CrashStats* stats) {
  Workload work(seed);
  std::mt19937_64& rng = work.rng();
  FaultInjectionFileSystem fs;
  LogModel model;
  std::vector<LogModel> candidates;  // states a crash may leave beyond `model`, in write order
  LogStoreOptions o;
  o.dir = "/wal";
  o.fs = &fs;
  o.segment_bytes = 1024 + rng() % 6000;
  o.max_segments = 2 + rng() % 4;
  o.cache_bytes_per_group = rng() % 2 == 0 ? 0 : 4096;
  const bool bursts = seed % 2 == 0;

  for (int cycle = 0; cycle < cycles; ++cycle) {
    std::string where = "cycle " + std::to_string(cycle) + ": ";
    std::unique_ptr<LogStore> store;
    while (store == nullptr) {
      fs.ClearFaults();
      if (rng() % 4 == 0) fs.CrashAfter(rng() % 12);  // power cut while recovering
      Result<std::unique_ptr<LogStore>> opened = LogStore::Open(o);
      if (opened.ok()) {
        store = std::move(opened).value();
      } else if (fs.crashed()) {
        ++stats->power_cuts;
        fs.Restart(rng());
      } else {
        return where + "open failed: " + opened.status().ToString();
      }
    }
    fs.ClearFaults();
    std::string diff = model.Diff(*store);
    if (!diff.empty()) {
      bool matched = false;
      for (const LogModel& c : candidates) {
        if (c.Diff(*store).empty()) {
          model = c;
          matched = true;
          ++stats->unacknowledged_recovered;
          break;
        }
      }
      if (!matched) {
        return where +
               "recovered state is neither the acknowledged one nor a prefix of the "
               "unacknowledged writes: " +
               diff;
      }
    }
    candidates.clear();

    bool injected = rng() % 8 == 0;
    if (injected) {
      auto op = rng() % 2 == 0 ? FaultInjectionFileSystem::Op::kSync
                               : FaultInjectionFileSystem::Op::kWrite;
      fs.FailOp(op, rng() % 30);
    } else {
      fs.CrashAfter(rng() % 150);
    }
    bool failed = false;
    for (int step = 0; step < steps && !failed; ++step) {
      int k = bursts && rng() % 4 == 0 ? 2 + static_cast<int>(rng() % 4) : 1;
      std::vector<WriteBatch> batches;
      std::vector<Status> predicted;
      std::vector<LogModel> after;
      LogModel chain = model;
      for (int i = 0; i < k; ++i) {
        batches.push_back(work.Next(chain));
        LogModel next = chain;
        predicted.push_back(next.Apply(batches.back()));
        if (predicted.back().ok()) chain = std::move(next);
        after.push_back(chain);
      }
      std::vector<Status> got(k);
      if (k == 1) {
        got[0] = store->Write(batches[0]);
      } else {
        std::latch done(k);
        for (int i = 0; i < k; ++i) {
          store->WriteAsync(batches[i], [&got, &done, i](Status s) {
            got[i] = std::move(s);
            done.count_down();
          });
        }
        done.wait();
      }
      for (int i = 0; i < k; ++i) {
        if (failed) {
          candidates.push_back(after[i]);
        } else if (got[i].ok()) {
          if (!predicted[i].ok())
            return where + "store accepted a batch the model refused: " + predicted[i].ToString();
          model = after[i];
          ++stats->acknowledged;
        } else if (IsValidationCode(got[i].code())) {
          ++stats->refused;
          if (got[i].code() != predicted[i].code()) {
            return where + "store refused a batch with " + got[i].ToString() + ", model says " +
                   predicted[i].ToString();
          }
        } else {
          failed = true;
          candidates.push_back(after[i]);
        }
      }
    }
    if (!failed && rng() % 2 == 0) fs.CrashAfter(0);  // a power cut while idle
    stats->relocated_bytes += store->stats().relocated_bytes;
    stats->segments_removed += store->stats().segments_removed;
    store.reset();
    if (fs.crashed()) {
      ++stats->power_cuts;
      fs.Restart(rng());
    } else {
      stats->io_errors += failed;
      if (rng() % 2 == 0) fs.Restart(rng());
    }
  }
  return "";
}

TEST(LogStoreCrashTest, RandomWorkloadsSurviveCrashesAtRandomPoints) {
  curve::log::LogOptions quiet;  // thousands of recoveries, each logging what it repaired
  quiet.level = "error";
  ASSERT_TRUE(curve::log::Init(quiet).ok());
  uint64_t first = EnvOr("CURVE_STORAGE_CRASH_FIRST_SEED", 1);
  uint64_t seeds = EnvOr("CURVE_STORAGE_CRASH_SEEDS", 200);
  CrashStats stats;
  for (uint64_t seed = first; seed < first + seeds; ++seed) {
    std::string failure = RunSeed(seed, 6, 40, &stats);
    ASSERT_EQ(failure, "") << "failing seed " << seed
                           << " (replay: CURVE_STORAGE_CRASH_FIRST_SEED=" << seed
                           << " CURVE_STORAGE_CRASH_SEEDS=1)";
  }
  std::cout << "crash test: seeds=" << first << ".." << first + seeds - 1
            << " power_cuts=" << stats.power_cuts << " io_errors=" << stats.io_errors
            << " acknowledged=" << stats.acknowledged << " refused=" << stats.refused
            << " recovered_unacknowledged=" << stats.unacknowledged_recovered
            << " relocated_bytes=" << stats.relocated_bytes
            << " segments_removed=" << stats.segments_removed << "\n";
  EXPECT_GT(stats.power_cuts, seeds);
  EXPECT_GT(stats.unacknowledged_recovered, 0u);
  EXPECT_GT(stats.relocated_bytes, 0u);
  ASSERT_TRUE(curve::log::Init(curve::log::LogOptions{}).ok());
}

// ---- Targeted damage. ----

class LogStoreDamageTest : public ::testing::Test {
 protected:
  LogStoreOptions Options() {
    LogStoreOptions o;
    o.dir = "/wal";
    o.fs = &fs_;
    o.segment_bytes = 2048;
    o.max_segments = 100;
    return o;
  }
  // Writes `n` batches of one 300-byte entry each to group 1.
  void Fill(int n) {
    auto store = std::move(LogStore::Open(Options())).value();
    for (int i = 0; i < n; ++i) {
      WriteBatch b;
      b.Append(1, {Entry{1, written_ + 1, EntryType::kNormal, std::string(300, 'a' + i % 26)}});
      ASSERT_TRUE(model_.Apply(b).ok());
      ASSERT_TRUE(store->Write(b).ok());
      ++written_;
    }
  }
  std::vector<std::string> Segments() {
    std::vector<std::string> out;
    for (const std::string& p : fs_.ListAll()) {
      if (wal::ParseSegmentName(p.substr(p.rfind('/') + 1))) out.push_back(p);
    }
    return out;
  }
  void Damage(const std::string& path, uint64_t offset) {
    std::string data = *fs_.Contents(path);
    data[offset] ^= 0x40;
    ASSERT_TRUE(fs_.SetContents(path, data).ok());
  }
  // The offset of the last frame in a segment.
  uint64_t LastFrameOffset(const std::string& path) {
    std::string data = *fs_.Contents(path);
    uint64_t off = wal::kSegmentHeaderSize, last = off;
    while (off < data.size()) {
      last = off;
      off += wal::kFrameHeaderSize + wal::DecodeFixed32(data.data() + off + 4);
    }
    return last;
  }

  FaultInjectionFileSystem fs_;
  LogModel model_;
  Index written_ = 0;
};

TEST_F(LogStoreDamageTest, TornLastFrameIsTruncatedAndTheLogContinues) {
  Fill(4);
  std::string last = Segments().back();
  std::string data = *fs_.Contents(last);
  ASSERT_GT(data.size(), wal::kSegmentHeaderSize);
  ASSERT_TRUE(fs_.SetContents(last, data.substr(0, data.size() - 7)).ok());  // torn write
  auto store = std::move(LogStore::Open(Options())).value();
  EXPECT_EQ(store->Group(1)->LastIndex(), 3u);
  EXPECT_EQ(*store->Group(1)->Entries(1, 4, UINT64_MAX),
            *model_.groups().at(1).Entries(1, 4, UINT64_MAX));
  WriteBatch b;
  b.Append(1, {Entry{1, 4, EntryType::kNormal, "again"}});
  ASSERT_TRUE(store->Write(b).ok());
  store.reset();
  store = std::move(LogStore::Open(Options())).value();
  EXPECT_EQ(store->Group(1)->LastIndex(), 4u);
}

TEST_F(LogStoreDamageTest, ChecksumFailingLastFrameIsTruncated) {
  Fill(3);
  std::string last = Segments().back();
  Damage(last, LastFrameOffset(last) + 20);
  auto store = std::move(LogStore::Open(Options())).value();
  EXPECT_EQ(store->Group(1)->LastIndex(), 2u);
}

TEST_F(LogStoreDamageTest, DamagedFrameFollowedByAValidOneIsDataLossEvenInTheLastSegment) {
  Fill(3);
  std::string last = Segments().back();
  Damage(last, wal::kSegmentHeaderSize + 20);  // the first of several frames
  ASSERT_NE(LastFrameOffset(last), wal::kSegmentHeaderSize);
  Result<std::unique_ptr<LogStore>> store = LogStore::Open(Options());
  ASSERT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(store.status().message().find(last), std::string::npos) << store.status();
}

TEST_F(LogStoreDamageTest, CorruptedMiddleSegmentIsDataLossNamingFileAndOffset) {
  Fill(20);
  std::vector<std::string> segments = Segments();
  ASSERT_GE(segments.size(), 4u);
  const std::string& middle = segments[segments.size() / 2];
  uint64_t offset = LastFrameOffset(middle);
  Damage(middle, offset + 30);
  Result<std::unique_ptr<LogStore>> store = LogStore::Open(Options());
  ASSERT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(store.status().message().find(middle + " offset " + std::to_string(offset)),
            std::string::npos)
      << store.status();
}

TEST_F(LogStoreDamageTest, TruncatedMiddleSegmentIsDataLoss) {
  Fill(20);
  std::vector<std::string> segments = Segments();
  const std::string& middle = segments[1];
  std::string data = *fs_.Contents(middle);
  ASSERT_TRUE(fs_.SetContents(middle, data.substr(0, data.size() - 1)).ok());
  Result<std::unique_ptr<LogStore>> store = LogStore::Open(Options());
  ASSERT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(store.status().message().find(middle), std::string::npos) << store.status();
}

TEST_F(LogStoreDamageTest, MissingSegmentIsDataLoss) {
  Fill(20);
  std::vector<std::string> segments = Segments();
  ASSERT_TRUE(fs_.Remove(segments[2]).ok());
  Result<std::unique_ptr<LogStore>> store = LogStore::Open(Options());
  ASSERT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(store.status().message().find(segments[2]), std::string::npos) << store.status();
}

TEST_F(LogStoreDamageTest, SegmentWhoseCreationNeverCompletedIsRemoved) {
  Fill(2);
  uint64_t next = *wal::ParseSegmentName(Segments().back().substr(5)) + 1;
  auto file = std::move(fs_.Open("/wal/" + wal::SegmentName(next), fs::OpenOptions{.create = true}))
                  .value();
  ASSERT_TRUE(file->Write(0, "CRVWAL").ok());  // header cut short
  auto store = std::move(LogStore::Open(Options())).value();
  EXPECT_EQ(store->Group(1)->LastIndex(), 2u);
}

TEST_F(LogStoreDamageTest, DamagedSnapshotPayloadIsDataLossNamingTheFile) {
  {
    auto store = std::move(LogStore::Open(Options())).value();
    WriteBatch b;
    b.InstallSnapshot(3, Snapshot{SnapshotMeta{5, 1, {}}, "precious"});
    ASSERT_TRUE(store->Write(b).ok());
  }
  std::string payload;
  for (const std::string& p : fs_.ListAll()) {
    if (p.starts_with("/wal/snap/")) payload = p;
  }
  ASSERT_FALSE(payload.empty());
  Damage(payload, 2);
  auto store = std::move(LogStore::Open(Options())).value();
  Result<Snapshot> snap = store->Group(3)->LatestSnapshot();
  ASSERT_EQ(snap.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(snap.status().message().find(payload), std::string::npos) << snap.status();
  EXPECT_EQ(store->Group(3)->LatestSnapshotMeta().index, 5u);
}

}  // namespace
}  // namespace curve::raft
