// raft_storage_bench: what group commit buys on this machine's disk. In one run it measures
//   - the reference: the disk's own rate and latency of appending 4 KiB and calling fdatasync;
//   - LogStore (sync on) with 1 group written by 1 thread, and with 100 groups written by 100
//     threads at once, each write one 4 KiB entry plus the group's hard state;
// and prints them side by side with the 100-group / 1-group throughput ratio (issue target: at
// least 5x). Writers snapshot and compact their group every 256 entries, as a raft node would.
//
// Usage: raft_storage_bench [dir]   (default ./raft_storage_bench.d; it must be on the disk under
// test, not tmpfs; removed afterwards). CURVE_BENCH_SECONDS sets each phase's length (default 2).

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/logging.h"
#include "raft/storage/log_store.h"

namespace curve::raft {
namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
  double writes_per_sec = 0;
  double p50_us = 0;
  double p99_us = 0;
  double syncs_per_write = 0;
};

Figures Summarise(std::vector<double> latencies_us, double seconds, uint64_t syncs) {
  Figures f;
  if (latencies_us.empty()) return f;
  std::sort(latencies_us.begin(), latencies_us.end());
  f.writes_per_sec = static_cast<double>(latencies_us.size()) / seconds;
  f.p50_us = latencies_us[latencies_us.size() / 2];
  f.p99_us = latencies_us[latencies_us.size() * 99 / 100];
  f.syncs_per_write = static_cast<double>(syncs) / static_cast<double>(latencies_us.size());
  return f;
}

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

Figures RawDisk(const std::string& dir, double seconds) {
  std::string path = dir + "/raw";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror("open");
    std::exit(1);
  }
  std::string block(4096, 'r');
  std::vector<double> lat;
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  for (off_t off = 0; Clock::now() < deadline; off += 4096) {
    auto start = Clock::now();
    if (::pwrite(fd, block.data(), block.size(), off) != 4096 || ::fdatasync(fd) != 0) {
      std::perror("pwrite/fdatasync");
      std::exit(1);
    }
    lat.push_back(Micros(Clock::now() - start));
  }
  ::close(fd);
  ::unlink(path.c_str());
  return Summarise(std::move(lat), seconds, lat.size());
}

Figures Store(const std::string& dir, int groups, double seconds) {
  std::filesystem::remove_all(dir + "/wal");
  LogStoreOptions o;
  o.dir = dir + "/wal";
  Result<std::unique_ptr<LogStore>> opened = LogStore::Open(o);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    std::exit(1);
  }
  std::unique_ptr<LogStore> store = std::move(opened).value();
  uint64_t syncs_before = store->stats().syncs;
  std::vector<std::vector<double>> lat(groups);
  std::atomic<bool> failed{false};
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> writers;
  for (int g = 0; g < groups; ++g) {
    writers.emplace_back([&, g] {
      GroupId id = static_cast<GroupId>(g + 1);
      std::string data(4096, static_cast<char>('a' + g % 26));
      for (Index i = 1; Clock::now() < deadline; ++i) {
        WriteBatch b;
        b.Append(id, {Entry{1, i, EntryType::kNormal, data}});
        b.SetHardState(id, HardState{1, 1, i});
        if (i % 256 == 0) {
          b.SaveSnapshot(id, Snapshot{SnapshotMeta{i - 1, 1, {}}, ""});
          b.Compact(id, i - 1);
        }
        auto start = Clock::now();
        if (!store->Write(std::move(b)).ok()) failed = true;
        lat[g].push_back(Micros(Clock::now() - start));
      }
    });
  }
  for (std::thread& t : writers) t.join();
  if (failed) {
    std::fprintf(stderr, "a write failed\n");
    std::exit(1);
  }
  std::vector<double> all;
  for (const auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  uint64_t syncs = store->stats().syncs - syncs_before;
  store.reset();
  std::filesystem::remove_all(dir + "/wal");
  return Summarise(std::move(all), seconds, syncs);
}

void Row(const char* name, const Figures& f) {
  std::printf("| %-44s | %10.0f | %8.0f | %8.0f | %11.3f |\n", name, f.writes_per_sec, f.p50_us,
              f.p99_us, f.syncs_per_write);
}

}  // namespace
}  // namespace curve::raft

int main(int argc, char** argv) {
  using namespace curve::raft;
  std::string dir = argc > 1 ? argv[1] : "raft_storage_bench.d";
  const char* env = std::getenv("CURVE_BENCH_SECONDS");
  double seconds = env != nullptr ? std::atof(env) : 2.0;
  curve::log::LogOptions log;
  log.level = "warn";
  (void)curve::log::Init(log);
  std::filesystem::create_directories(dir);

  Figures disk = RawDisk(dir, seconds);
  Figures one = Store(dir, 1, seconds);
  Figures hundred = Store(dir, 100, seconds);
  std::filesystem::remove_all(dir);

  std::printf("| %-44s | %10s | %8s | %8s | %11s |\n", "4 KiB writes, fsync on", "writes/s",
              "p50 us", "p99 us", "syncs/write");
  std::printf("|%s|%s|%s|%s|%s|\n", std::string(46, '-').c_str(), std::string(12, '-').c_str(),
              std::string(10, '-').c_str(), std::string(10, '-').c_str(),
              std::string(13, '-').c_str());
  Row("disk: append 4 KiB + fdatasync (reference)", disk);
  Row("LogStore: 1 group, 1 writer", one);
  Row("LogStore: 100 groups, 100 concurrent writers", hundred);
  std::printf(
      "\n100 groups / 1 group throughput: %.1fx (target >= 5x); 1-group p50 / disk p50: "
      "%.2fx\n",
      hundred.writes_per_sec / std::max(one.writes_per_sec, 1.0),
      one.p50_us / std::max(disk.p50_us, 1.0));
  return 0;
}
