// curvebs_bench: the CurveBS data path end to end (libcurve → 3 chunkservers → raft log + chunk
// files, 3 replicas, all on one disk) on a loopback LocalCluster, beside the same disk's raw
// direct-IO 4 KiB random write rate at depth 32 and its 4 KiB write+fdatasync rate measured in
// the same run and the same directory; then the idle cost of a chunkserver holding 100 copysets.
//
//   curvebs_bench [--dir=/path] [--seconds=5] [--idle_seconds=10] [--rows=all|write|...]
//                 [--chunkserver_flags=--key=value,--key=value]
//
// --dir defaults to $TMPDIR (or /tmp); everything created there is removed at the end.
// --rows keeps only the rows whose "<workload> d<depth>" contains the text ("write",
// "rand write d32");
// --idle_seconds=0 skips the idle cluster. --chunkserver_flags go to every chunkserver of the
// data-path cluster (to compare settings).

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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
  std::string rows;  // substring of the workload names to run; empty: all
  std::vector<std::string> chunkserver_flags;
};

struct Row {
  const char* name;
  bool write;
  bool random;
  uint64_t block_size;
  int depth;
  client::VolumeBenchResult result;
  // The load-robust cost per operation: CPU time of this (client) process and of the 3
  // chunkservers together, and the chunkservers' context switches.
  double client_cpu_us = 0;
  double chunkserver_cpu_us = 0;
  double chunkserver_switches = 0;
  bool ran = false;
};

// Voluntary + involuntary context switches of a process's live threads so far.
double ContextSwitches(pid_t pid) {
  double total = 0;
  std::error_code error;
  std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream in(task.path() / "status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("ctxt_switches:") != std::string::npos) {
        total += std::stod(line.substr(line.find(':') + 1));
      }
    }
  }
  return total;
}

// CPU seconds and context switches of the client and the chunkservers, for per-op deltas.
struct CostSample {
  double client_cpu = 0;
  double chunkserver_cpu = 0;
  double chunkserver_switches = 0;
};

CostSample SampleCost(const LocalCluster& cluster) {
  CostSample sample;
  sample.client_cpu = ProcessCpuSeconds(0);
  for (int i = 0; i < cluster.chunkserver_count(); ++i) {
    pid_t pid = cluster.chunkserver_pid(i);
    sample.chunkserver_cpu += ProcessCpuSeconds(pid);
    sample.chunkserver_switches += ContextSwitches(pid);
  }
  return sample;
}

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
    cluster_options.chunkserver_flags = options.chunkserver_flags;
    CURVE_ASSIGN_OR_RETURN(auto cluster, LocalCluster::Start(cluster_options));
    CURVE_ASSIGN_OR_RETURN(fsync_ref, MeasureFdatasync(dir, 2.0));
    CURVE_ASSIGN_OR_RETURN(direct_ref, MeasureDirectIoRandomWrite(dir, options.seconds, 32));
    CURVE_RETURN_IF_ERROR(cluster->CreateVolume("bench", "/bench", 1024 * kMiB));
    client::VolumeOptions volume_options;
    volume_options.mds_addresses = cluster->mds_list();
    volume_options.client_name = "curvebs_bench";
    CURVE_ASSIGN_OR_RETURN(auto volume, client::Volume::Open(volume_options, "bench", "/bench"));
    for (auto& row : rows) {
      std::string label = std::string(row.name) + " d" + std::to_string(row.depth);
      if (label.find(options.rows) == std::string::npos) continue;
      client::VolumeBenchOptions bench;
      bench.write = row.write;
      bench.random = row.random;
      bench.block_size = row.block_size;
      bench.depth = row.depth;
      bench.span = 256 * kMiB;
      bench.runtime = std::chrono::milliseconds(static_cast<int64_t>(options.seconds * 1000));
      CostSample before = SampleCost(*cluster);
      auto result = client::RunVolumeBench(*volume, bench);
      if (!result.ok()) {
        return Status(result.status().code(),
                      std::string(row.name) + ": " + result.status().message());
      }
      CostSample after = SampleCost(*cluster);
      row.result = *result;
      row.ran = true;
      double ops = static_cast<double>(std::max<uint64_t>(result->ops, 1));
      row.client_cpu_us = 1e6 * (after.client_cpu - before.client_cpu) / ops;
      row.chunkserver_cpu_us = 1e6 * (after.chunkserver_cpu - before.chunkserver_cpu) / ops;
      row.chunkserver_switches = (after.chunkserver_switches - before.chunkserver_switches) / ops;
    }
    CURVE_RETURN_IF_ERROR(volume->Close());
  }

  // The idle cost: 3 chunkservers, each a member of all 100 copysets.
  double idle_cpu_pct = 0;
  double idle_rss_mib = 0;
  int copysets = 100;
  if (options.idle_seconds > 0) {
    LocalClusterOptions cluster_options;
    cluster_options.base_dir = dir + "-idle";
    cluster_options.copysets_per_chunkserver = copysets;
    cluster_options.chunks_per_disk = 4;
    // The chunkserver's production raft clock (100 ms ticks, elections after 10-20), not the
    // tests' faster one: this row reports what an idle production chunkserver costs.
    cluster_options.raft_tick = std::chrono::milliseconds(100);
    cluster_options.election_tick = 10;
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
  std::printf("%-18s %5s %9s %8s %8s %8s %9s %9s %9s %8s   %s\n", "workload", "depth", "IOPS",
              "MiB/s", "p50 ms", "p99 ms", "p99.9 ms", "cli us/op", "cs us/op", "cs cs/op",
              "IOPS vs raw direct-IO 4K randwrite d32");
  for (const auto& row : rows) {
    if (!row.ran) continue;
    const auto& r = row.result;
    std::printf("%-18s %5d %9.0f %8.1f %8.3f %8.3f %9.3f %9.0f %9.0f %8.1f   %.1f%%\n", row.name,
                row.depth, r.iops, r.mib_per_s, r.p50_us / 1000, r.p99_us / 1000, r.p999_us / 1000,
                row.client_cpu_us, row.chunkserver_cpu_us, row.chunkserver_switches,
                100 * r.iops / direct_ref.per_second);
  }
  std::printf(
      "\ncli us/op: CPU time of the client process per operation; cs us/op: of the 3 "
      "chunkservers together; cs cs/op: their context switches (voluntary + involuntary). "
      "These do not depend on how loaded the machine is.\n");
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
  if (rows[2].ran) {
    std::printf("  4 KiB randwrite depth 32 >= 5%% of raw direct-IO:  %s (%.1f%%)\n",
                Verdict(ratio >= 5), ratio);
  }
  if (rows[1].ran) {
    std::printf(
        "  4 KiB randwrite depth 1 p50 < 1 ms:              %s (%.3f ms; %.1fx fdatasync p50)\n",
        Verdict(w1.p50_us < 1000), w1.p50_us / 1000, w1.p50_us / 1000 / fsync_ref.p50_ms);
  }
  if (options.idle_seconds <= 0) return Status::Ok();
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
  options.rows = cl->Flag("rows").value_or("");
  if (auto flags = cl->Flag("chunkserver_flags")) {
    for (size_t at = 0; at < flags->size();) {
      size_t comma = flags->find(',', at);
      if (comma == std::string::npos) comma = flags->size();
      if (comma > at) options.chunkserver_flags.push_back(flags->substr(at, comma - at));
      at = comma + 1;
    }
  }
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
