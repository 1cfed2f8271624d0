// chunkstore_bench: ChunkStore throughput and latency at depth 1 beside the raw disk measured in
// the same run (direct-IO 4 KiB random write/read, 1 MiB sequential, 4 KiB write+fdatasync).
// Usage: chunkstore_bench [--dir=D] [--seconds=S]   (D defaults to $TMPDIR or /tmp)

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "common/logging.h"
#include "services/chunkserver/datastore/aligned_buffer.h"
#include "services/chunkserver/datastore/chunk_store.h"
#include "services/chunkserver/datastore/posix_file_system.h"

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

// Runs `op(i)` for `seconds`, returning the rate and latency percentiles. Exits on error.
Measure Run(const std::string& name, size_t io_size, double seconds,
            const std::function<bool(uint64_t)>& op) {
  std::vector<double> latencies;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  uint64_t i = 0;
  for (; Clock::now() < deadline; i++) {
    auto t0 = Clock::now();
    if (!op(i)) {
      std::fprintf(stderr, "chunkstore_bench: %s failed\n", name.c_str());
      std::exit(1);
    }
    latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  Measure m;
  m.name = name;
  m.iops = static_cast<double>(i) / elapsed;
  m.mib_per_s = m.iops * static_cast<double>(io_size) / k1M;
  m.p50_us = latencies[latencies.size() / 2];
  m.p99_us = latencies[latencies.size() * 99 / 100];
  return m;
}

void PrintRow(const Measure& m, const Measure* reference) {
  std::printf("| %-34s | %9.0f | %8.1f | %8.0f | %8.0f | %-26s | %6s |\n", m.name.c_str(), m.iops,
              m.mib_per_s, m.p50_us, m.p99_us, reference ? reference->name.c_str() : "",
              reference
                  ? (std::to_string(static_cast<int>(100 * m.iops / reference->iops)) + "%").c_str()
                  : "");
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
  format.chunk_count = kChunks + 1;  // one more for the raw-disk reference file
  auto t0 = Clock::now();
  Status status = FilePool::Format(dir, format, PosixFileSystem::Default());
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

  Measure raw_rw = Run("raw direct-IO 4K randwrite", k4K, seconds, [&](uint64_t) {
    return ::pwrite(raw_fd, small.data(), k4K,
                    static_cast<off_t>(rng() % (raw_size / k4K) * k4K)) ==
           static_cast<ssize_t>(k4K);
  });
  Measure raw_sync = Run("raw 4K write+fdatasync", k4K, seconds, [&](uint64_t i) {
    return ::pwrite(sync_fd, small.data(), k4K, static_cast<off_t>(i % 256 * k4K)) ==
               static_cast<ssize_t>(k4K) &&
           ::fdatasync(sync_fd) == 0;
  });
  Measure raw_rr = Run("raw direct-IO 4K randread", k4K, seconds, [&](uint64_t) {
    return ::pread(raw_fd, small.data(), k4K, static_cast<off_t>(rng() % (raw_size / k4K) * k4K)) ==
           static_cast<ssize_t>(k4K);
  });
  Measure raw_sw = Run("raw direct-IO 1M seq write", k1M, seconds, [&](uint64_t i) {
    return ::pwrite(raw_fd, big.data(), k1M, static_cast<off_t>(i % mib_per_chunk * k1M)) ==
           static_cast<ssize_t>(k1M);
  });
  Measure raw_sr = Run("raw direct-IO 1M seq read", k1M, seconds, [&](uint64_t i) {
    return ::pread(raw_fd, big.data(), k1M, static_cast<off_t>(i % mib_per_chunk * k1M)) ==
           static_cast<ssize_t>(k1M);
  });

  std::string_view small_view(small.data(), k4K), big_view(big.data(), k1M);
  Measure cs_rw = Run("ChunkStore 4K randwrite", k4K, seconds, [&](uint64_t) {
    return store->Write(random_chunk(), random_block(), small_view).ok();
  });
  Measure cs_rr = Run("ChunkStore 4K randread", k4K, seconds, [&](uint64_t) {
    return store->ReadInto(random_chunk(), random_block(), k4K, small.data()).ok();
  });
  Measure cs_sw = Run("ChunkStore 1M seq write", k1M, seconds, [&](uint64_t i) {
    return store->Write(i / mib_per_chunk % kChunks + 1, i % mib_per_chunk * k1M, big_view).ok();
  });
  Measure cs_sr = Run("ChunkStore 1M seq read", k1M, seconds, [&](uint64_t i) {
    return store
        ->ReadInto(i / mib_per_chunk % kChunks + 1, i % mib_per_chunk * k1M, k1M, big.data())
        .ok();
  });
  ::close(raw_fd);
  ::close(sync_fd);

  std::printf(
      "chunkstore_bench: dir=%s depth=1 %gs per test, %d chunks of 16 MiB (O_DIRECT), "
      "format of %d files took %.1fs\n\n",
      dir.c_str(), seconds, kChunks, kChunks + 1, format_s);
  std::printf("| %-34s | %9s | %8s | %8s | %8s | %-26s | %6s |\n", "test", "IOPS", "MiB/s",
              "p50 us", "p99 us", "reference", "ratio");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|\n", std::string(36, '-').c_str(),
              std::string(11, '-').c_str(), std::string(10, '-').c_str(),
              std::string(10, '-').c_str(), std::string(10, '-').c_str(),
              std::string(28, '-').c_str(), std::string(8, '-').c_str());
  PrintRow(raw_rw, nullptr);
  PrintRow(raw_sync, &raw_rw);
  PrintRow(raw_rr, nullptr);
  PrintRow(raw_sw, nullptr);
  PrintRow(raw_sr, nullptr);
  PrintRow(cs_rw, &raw_rw);
  PrintRow(cs_rr, &raw_rr);
  PrintRow(cs_sw, &raw_sw);
  PrintRow(cs_sr, &raw_sr);
  return 0;
}

}  // namespace
}  // namespace curve::chunkserver

int main(int argc, char** argv) { return curve::chunkserver::Main(argc, argv); }
