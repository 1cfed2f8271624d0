// curvebs_bench: the CurveBS data path end to end (libcurve → 3 chunkservers → raft log + chunk
// files, 3 replicas, all on one disk) on a loopback LocalCluster, beside the same disk's raw
// direct-IO 4 KiB random write rate at depth 32 and its 4 KiB write+fdatasync rate measured in
// the same run and the same directory; then the idle cost of a chunkserver holding 100 copysets.
//
//   curvebs_bench [--dir=/path] [--seconds=5] [--idle_seconds=10]
//
// --dir defaults to $TMPDIR (or /tmp); everything created there is removed at the end.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/logging.h"
#include "common/testing/disk_probe.h"
#include "common/testing/subprocess.h"
#include "services/client/volume.h"
#include "services/client/volume_bench.h"
#include "tests/cluster/local_cluster.h"

namespace curve::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;

struct BenchOptions {
  std::string dir;
  double seconds = 5;
  double idle_seconds = 10;
};

struct Row {
  const char* name;
  bool write;
  bool random;
  uint64_t block_size;
  int depth;
  client::VolumeBenchResult result;
};

const char* Verdict(bool ok) { return ok ? "MET" : "MISSED"; }

Status Run(const BenchOptions& options) {
  std::string base = options.dir;
  if (base.empty()) base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  std::string dir = base + "/curvebs_bench." + std::to_string(getpid());

  std::vector<Row> rows = {{"1 MiB seq write", true, false, kMiB, 4, {}},
                           {"4 KiB rand write", true, true, 4096, 1, {}},
                           {"4 KiB rand write", true, true, 4096, 32, {}},
                           {"4 KiB rand read", false, true, 4096, 1, {}},
                           {"4 KiB rand read", false, true, 4096, 32, {}},
                           {"1 MiB seq read", false, false, kMiB, 4, {}}};
  Latencies fsync_ref, direct_ref;
  {
    LocalClusterOptions cluster_options;
    cluster_options.base_dir = dir;
    cluster_options.chunk_size = 16 * kMiB;
    cluster_options.segment_size = 1024 * kMiB;
    cluster_options.chunks_per_disk = 24;  // the 256 MiB working set, replicated on each
    CURVE_ASSIGN_OR_RETURN(auto cluster, LocalCluster::Start(cluster_options));
    CURVE_ASSIGN_OR_RETURN(fsync_ref, MeasureFdatasync(dir, 2.0));
    CURVE_ASSIGN_OR_RETURN(direct_ref, MeasureDirectIoRandomWrite(dir, options.seconds, 32));
    CURVE_RETURN_IF_ERROR(cluster->CreateVolume("bench", "/bench", 1024 * kMiB));
    client::VolumeOptions volume_options;
    volume_options.mds_addresses = cluster->mds_list();
    volume_options.client_name = "curvebs_bench";
    CURVE_ASSIGN_OR_RETURN(auto volume, client::Volume::Open(volume_options, "bench", "/bench"));
    for (auto& row : rows) {
      client::VolumeBenchOptions bench;
      bench.write = row.write;
      bench.random = row.random;
      bench.block_size = row.block_size;
      bench.depth = row.depth;
      bench.span = 256 * kMiB;
      bench.runtime = std::chrono::milliseconds(static_cast<int64_t>(options.seconds * 1000));
      auto result = client::RunVolumeBench(*volume, bench);
      if (!result.ok()) {
        return Status(result.status().code(),
                      std::string(row.name) + ": " + result.status().message());
      }
      row.result = *result;
    }
    CURVE_RETURN_IF_ERROR(volume->Close());
  }

  // The idle cost: 3 chunkservers, each a member of all 100 copysets.
  double idle_cpu_pct = 0;
  double idle_rss_mib = 0;
  int copysets = 100;
  {
    LocalClusterOptions cluster_options;
    cluster_options.base_dir = dir + "-idle";
    cluster_options.copysets_per_chunkserver = copysets;
    cluster_options.chunks_per_disk = 4;
    CURVE_ASSIGN_OR_RETURN(auto cluster, LocalCluster::Start(cluster_options));
    std::this_thread::sleep_for(std::chrono::seconds(2));  // elections and first heartbeats done
    std::vector<double> before;
    for (int i = 0; i < 3; ++i) before.push_back(ProcessCpuSeconds(cluster->chunkserver_pid(i)));
    auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(
        std::chrono::milliseconds(static_cast<int64_t>(options.idle_seconds * 1000)));
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (int i = 0; i < 3; ++i) {
      pid_t pid = cluster->chunkserver_pid(i);
      idle_cpu_pct = std::max(idle_cpu_pct, 100 * (ProcessCpuSeconds(pid) - before[i]) / elapsed);
      idle_rss_mib = std::max(
          idle_rss_mib, static_cast<double>(ProcessRssBytes(pid)) / static_cast<double>(kMiB));
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  std::filesystem::remove_all(dir + "-idle", ignored);

  std::printf(
      "CurveBS data path: libcurve -> 3 chunkservers on loopback (3 replicas, raft log fsync on, "
      "16 MiB chunks), one disk (%s), %u cores; %.0f s per row over a 256 MiB working set\n\n",
      base.c_str(), std::thread::hardware_concurrency(), options.seconds);
  std::printf("%-18s %5s %9s %8s %8s %8s %9s   %s\n", "workload", "depth", "IOPS", "MiB/s",
              "p50 ms", "p99 ms", "p99.9 ms", "IOPS vs raw direct-IO 4K randwrite d32");
  for (const auto& row : rows) {
    const auto& r = row.result;
    std::printf("%-18s %5d %9.0f %8.1f %8.3f %8.3f %9.3f   %.1f%%\n", row.name, row.depth, r.iops,
                r.mib_per_s, r.p50_us / 1000, r.p99_us / 1000, r.p999_us / 1000,
                100 * r.iops / direct_ref.per_second);
  }
  std::printf(
      "\nsame-run references (same dir):\n"
      "  raw O_DIRECT 4 KiB random write, depth 32: %9.0f IOPS  p50 %.3f ms  p99 %.3f ms\n"
      "  4 KiB write + fdatasync, depth 1:          %9.0f /s    p50 %.3f ms  p99 %.3f ms\n\n",
      direct_ref.per_second, direct_ref.p50_ms, direct_ref.p99_ms, fsync_ref.per_second,
      fsync_ref.p50_ms, fsync_ref.p99_ms);
  const auto& w1 = rows[1].result;
  const auto& w32 = rows[2].result;
  double ratio = 100 * w32.iops / direct_ref.per_second;
  std::printf("targets:\n");
  std::printf("  4 KiB randwrite depth 32 >= 5%% of raw direct-IO:  %s (%.1f%%)\n",
              Verdict(ratio >= 5), ratio);
  std::printf(
      "  4 KiB randwrite depth 1 p50 < 1 ms:              %s (%.3f ms; %.1fx fdatasync p50)\n",
      Verdict(w1.p50_us < 1000), w1.p50_us / 1000, w1.p50_us / 1000 / fsync_ref.p50_ms);
  std::printf("  idle chunkserver, %d copysets, RSS < 256 MiB:   %s (%.0f MiB, the largest of 3)\n",
              copysets, Verdict(idle_rss_mib < 256), idle_rss_mib);
  std::printf(
      "  idle chunkserver, %d copysets, CPU < 2%% core:   %s (%.2f%%, the busiest of 3 over %.0f "
      "s)\n",
      copysets, Verdict(idle_cpu_pct < 2), idle_cpu_pct, options.idle_seconds);
  return Status::Ok();
}

}  // namespace
}  // namespace curve::testing

int main(int argc, char** argv) {
  auto cl = curve::config::ParseCommandLine(argc, argv);
  if (!cl.ok()) {
    std::fprintf(stderr, "curvebs_bench: %s\n", cl.status().ToString().c_str());
    return 2;
  }
  curve::testing::BenchOptions options;
  options.dir = cl->Flag("dir").value_or("");
  options.seconds = std::stod(cl->Flag("seconds").value_or("5"));
  options.idle_seconds = std::stod(cl->Flag("idle_seconds").value_or("10"));
  curve::log::LogOptions log_options;
  log_options.level = "warn";
  (void)curve::log::Init(log_options);
  curve::Status status = curve::testing::Run(options);
  if (!status.ok()) {
    std::fprintf(stderr, "curvebs_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
