// chunkstore_bench: ChunkStore throughput and latency at depth 1 beside the raw disk measured in
// the same run (direct-IO 4 KiB random write/read, 1 MiB sequential, 4 KiB write+fdatasync), and
// the cost of preserving a full chunk (copy-on-write) beside the raw 16 MiB read + write.
// Usage: chunkstore_bench [--dir=D] [--seconds=S]   (D defaults to $TMPDIR or /tmp)

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "common/fs/posix_file_system.h"
#include "common/logging.h"
#include "services/chunkserver/datastore/aligned_buffer.h"
#include "services/chunkserver/datastore/chunk_store.h"

namespace curve::chunkserver {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kChunkSize = 16 << 20;
constexpr int kChunks = 8;  // the working set: 128 MiB
constexpr size_t k4K = 4096;
constexpr size_t k1M = 1 << 20;

struct Measure {
  std::string name;
  double iops = 0;
  double mib_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
};

struct Workload {
  Workload(std::string n, size_t size, std::function<bool(uint64_t)> f)
      : name(std::move(n)), io_size(size), op(std::move(f)) {}

  std::string name;
  size_t io_size;
  std::function<bool(uint64_t)> op;  // the i-th IO; false on error

  uint64_t ops = 0;
  double elapsed = 0;
  std::vector<double> latencies;
};

// Runs every workload for `seconds` in total, interleaved in `slices` rounds so a noisy neighbour
// on the shared disk and cores affects the raw reference and ChunkStore alike. Exits on error.
std::vector<Measure> RunInterleaved(std::vector<Workload>& workloads, double seconds, int slices) {
  for (int round = 0; round < slices; round++) {
    for (auto& w : workloads) {
      auto start = Clock::now();
      auto deadline = start + std::chrono::duration<double>(seconds / slices);
      while (Clock::now() < deadline) {
        auto t0 = Clock::now();
        if (!w.op(w.ops++)) {
          std::fprintf(stderr, "chunkstore_bench: %s failed\n", w.name.c_str());
          std::exit(1);
        }
        w.latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
      w.elapsed += std::chrono::duration<double>(Clock::now() - start).count();
    }
  }
  std::vector<Measure> measures;
  for (auto& w : workloads) {
    std::sort(w.latencies.begin(), w.latencies.end());
    Measure m;
    m.name = w.name;
    m.iops = static_cast<double>(w.ops) / w.elapsed;
    m.mib_per_s = m.iops * static_cast<double>(w.io_size) / k1M;
    m.p50_us = w.latencies[w.latencies.size() / 2];
    m.p99_us = w.latencies[w.latencies.size() * 99 / 100];
    measures.push_back(m);
  }
  return measures;
}

void PrintRow(const Measure& m, const Measure* reference) {
  std::printf("| %-34s | %9.0f | %8.1f | %8.0f | %8.0f | %-26s | %6s |\n", m.name.c_str(), m.iops,
              m.mib_per_s, m.p50_us, m.p99_us, reference ? reference->name.c_str() : "",
              reference
                  ? (std::to_string(static_cast<int>(100 * m.iops / reference->iops)) + "%").c_str()
                  : "");
}

// Copy-on-write: a write at a raised sequence to a full chunk preserves all 16 MiB first (copy,
// sync, rename, directory sync, header sync). Timed per chunk against the raw direct-IO 16 MiB
// sequential read + write measured above; the copy is dropped and its pool file cleaned between
// chunks, outside the timing.
// `sequence`: above every chunk's (each run raises them all once).
int PreserveFigures(ChunkStore& store, const char* mode, uint64_t sequence, double raw_read_mib_s,
                    double raw_write_mib_s) {
  AlignedBuffer fill(k1M);
  std::memset(fill.data(), 0x3c, fill.size());
  std::string_view fill_view(fill.data(), fill.size());
  std::vector<double> ms;
  for (ChunkId id = 1; id <= kChunks; id++) {
    for (uint64_t at = 0; at < kChunkSize; at += k1M) {
      if (!store.Write(id, at, fill_view).ok()) return 1;
    }
    if (!store.Sync(id).ok()) return 1;  // the fill's flush is not the copy's
    while (true) {
      auto cleaned = store.pool()->CleanOne();
      if (!cleaned.ok()) return 1;
      if (!*cleaned) break;
    }
    auto start = Clock::now();
    if (!store.Write(id, 0, fill_view.substr(0, k4K), sequence).ok()) return 1;
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    auto info = store.GetInfo(id);
    if (!info.ok() || info->snapshot_sequence == 0) {
      std::fprintf(stderr, "chunkstore_bench: chunk %lu was not preserved\n", id);
      return 1;
    }
    if (!store.DeleteSnapshot(id, info->snapshot_sequence).ok()) return 1;
  }
  std::sort(ms.begin(), ms.end());
  const double mib = static_cast<double>(kChunkSize >> 20);
  const double raw_ms = 1000 * (mib / raw_read_mib_s + mib / raw_write_mib_s);
  std::printf(
      "preserve a full 16 MiB chunk (copy-on-write, %s chunk files): p50 %.1f ms, max %.1f ms "
      "over %d chunks; raw direct-IO 16 MiB seq read + write at the rates above: %.1f ms (ratio "
      "%.2f)\n",
      mode, ms[ms.size() / 2], ms.back(), kChunks, raw_ms, ms[ms.size() / 2] / raw_ms);
  return 0;
}

int Main(int argc, char** argv) {
  std::string base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  double seconds = 3;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (arg.rfind("--dir=", 0) == 0) {
      base = arg.substr(6);
    } else if (arg.rfind("--seconds=", 0) == 0) {
      seconds = std::atof(arg.c_str() + 10);
    } else {
      std::fprintf(stderr, "usage: chunkstore_bench [--dir=D] [--seconds=S]\n");
      return 2;
    }
  }
  log::LogOptions log_options;
  log_options.level = "warn";
  log::Init(log_options).IgnoreError();
  std::string dir = base + "/chunkstore_bench." + std::to_string(::getpid());
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{dir};

  FormatOptions format;
  format.chunk_size = kChunkSize;
  format.chunk_count = kChunks + 2;  // the raw-disk reference file, a preserved copy
  auto t0 = Clock::now();
  Status status = FilePool::Format(dir, format, fs::PosixFileSystem::Default());
  if (!status.ok()) {
    std::fprintf(stderr, "chunkstore_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  double format_s = std::chrono::duration<double>(Clock::now() - t0).count();

  ChunkStoreOptions options;
  options.data_dir = dir;
  auto store_or = ChunkStore::Open(options);
  if (!store_or.ok()) {
    std::fprintf(stderr, "chunkstore_bench: %s\n", store_or.status().ToString().c_str());
    return 1;
  }
  auto& store = *store_or;
  // The raw reference: a pool file of the same disk, written in place like a chunk.
  std::string raw_path = dir + "/raw";
  if (!store->pool()->TakeTo(raw_path).ok()) return 1;
  int raw_fd = ::open(raw_path.c_str(), O_RDWR | O_DIRECT);
  int sync_fd = ::open(raw_path.c_str(), O_RDWR);
  if (raw_fd < 0 || sync_fd < 0) {
    std::perror("chunkstore_bench: open raw file");
    return 1;
  }
  const uint64_t raw_size = kChunkSize;
  for (int c = 0; c < kChunks; c++) {
    if (!store->Write(c + 1, 0, std::string(k4K, 'x')).ok()) return 1;  // create the chunks
  }

  AlignedBuffer small(k4K), big(k1M);
  std::memset(small.data(), 0x5a, small.size());
  std::memset(big.data(), 0xa5, big.size());
  std::mt19937_64 rng(42);
  const uint64_t blocks_per_chunk = kChunkSize / k4K;
  auto random_block = [&] { return rng() % blocks_per_chunk * k4K; };
  auto random_chunk = [&] { return static_cast<ChunkId>(rng() % kChunks + 1); };
  const uint64_t mib_per_chunk = kChunkSize / k1M;

  std::vector<Workload> workloads;
  workloads.push_back(Workload{"raw direct-IO 4K randwrite", k4K, [&](uint64_t) {
                                 return ::pwrite(
                                            raw_fd, small.data(), k4K,
                                            static_cast<off_t>(rng() % (raw_size / k4K) * k4K)) ==
                                        static_cast<ssize_t>(k4K);
                               }});
  workloads.push_back(Workload{"raw 4K write+fdatasync", k4K, [&](uint64_t i) {
                                 return ::pwrite(sync_fd, small.data(), k4K,
                                                 static_cast<off_t>(i % 256 * k4K)) ==
                                            static_cast<ssize_t>(k4K) &&
                                        ::fdatasync(sync_fd) == 0;
                               }});
  workloads.push_back(Workload{"raw direct-IO 4K randread", k4K, [&](uint64_t) {
                                 return ::pread(
                                            raw_fd, small.data(), k4K,
                                            static_cast<off_t>(rng() % (raw_size / k4K) * k4K)) ==
                                        static_cast<ssize_t>(k4K);
                               }});
  workloads.push_back(Workload{"raw direct-IO 1M seq write", k1M, [&](uint64_t i) {
                                 return ::pwrite(raw_fd, big.data(), k1M,
                                                 static_cast<off_t>(i % mib_per_chunk * k1M)) ==
                                        static_cast<ssize_t>(k1M);
                               }});
  workloads.push_back(Workload{"raw direct-IO 1M seq read", k1M, [&](uint64_t i) {
                                 return ::pread(raw_fd, big.data(), k1M,
                                                static_cast<off_t>(i % mib_per_chunk * k1M)) ==
                                        static_cast<ssize_t>(k1M);
                               }});

  std::string_view small_view(small.data(), k4K), big_view(big.data(), k1M);
  workloads.push_back(Workload{
      "ChunkStore 4K randwrite", k4K,
      [&](uint64_t) { return store->Write(random_chunk(), random_block(), small_view).ok(); }});
  workloads.push_back(
      Workload{"ChunkStore 4K randread", k4K, [&](uint64_t) {
                 return store->ReadInto(random_chunk(), random_block(), k4K, small.data()).ok();
               }});
  workloads.push_back(Workload{
      "ChunkStore 1M seq write", k1M, [&](uint64_t i) {
        return store->Write(i / mib_per_chunk % kChunks + 1, i % mib_per_chunk * k1M, big_view)
            .ok();
      }});
  workloads.push_back(Workload{"ChunkStore 1M seq read", k1M, [&](uint64_t i) {
                                 return store
                                     ->ReadInto(i / mib_per_chunk % kChunks + 1,
                                                i % mib_per_chunk * k1M, k1M, big.data())
                                     .ok();
                               }});
  std::vector<Measure> m = RunInterleaved(workloads, seconds, 6);
  ::close(raw_fd);
  ::close(sync_fd);

  std::printf(
      "chunkstore_bench: dir=%s depth=1 %gs per test (interleaved in 6 rounds), %d chunks of 16 "
      "MiB (O_DIRECT), "
      "format of %d files took %.1fs\n\n",
      dir.c_str(), seconds, kChunks, kChunks + 1, format_s);
  std::printf("| %-34s | %9s | %8s | %8s | %8s | %-26s | %6s |\n", "test", "IOPS", "MiB/s",
              "p50 us", "p99 us", "reference", "ratio");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|\n", std::string(36, '-').c_str(),
              std::string(11, '-').c_str(), std::string(10, '-').c_str(),
              std::string(10, '-').c_str(), std::string(10, '-').c_str(),
              std::string(28, '-').c_str(), std::string(8, '-').c_str());
  // Rows: 0 raw randwrite, 1 raw fdatasync, 2 raw randread, 3 raw seq write, 4 raw seq read,
  // 5..8 the same through ChunkStore.
  const int reference[] = {-1, 0, -1, -1, -1, 0, 2, 3, 4};
  for (size_t i = 0; i < m.size(); i++) {
    PrintRow(m[i], reference[i] < 0 ? nullptr : &m[static_cast<size_t>(reference[i])]);
  }
  std::printf("\n");
  if (PreserveFigures(*store, "O_DIRECT", 2, m[4].mib_per_s, m[3].mib_per_s) != 0) return 1;
  // The chunkserver's default: chunk files through the page cache (datastore.directIo=false).
  store.reset();
  options.direct_io = false;
  auto buffered = ChunkStore::Open(options);
  if (!buffered.ok()) return 1;
  return PreserveFigures(**buffered, "buffered", 3, m[4].mib_per_s, m[3].mib_per_s);
}

}  // namespace
}  // namespace curve::chunkserver

int main(int argc, char** argv) { return curve::chunkserver::Main(argc, argv); }
