// raft_bench: commit throughput and latency of the multi-raft library with fsync on, next to the
// same disk's own fdatasync rate measured in the same run, and the CPU cost of idle groups.
//
// Setup: 3 processes on loopback: this one (node 1, where every group's leader sits and the load
// is generated) and two raft_test_node children (nodes 2 and 3), each with its own write-ahead
// log in a temp dir on the same disk (--dir, default $TMPDIR). 100 groups of 3 members.
//
//   raft_bench [--dir=/path] [--seconds=5] [--idle_seconds=10] [--groups=100]
//              [--driver_threads=1] [--heartbeat_tick=1]

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/logging.h"
#include "common/testing/disk_probe.h"
#include "common/testing/subprocess.h"
#include "raft/node/raft_server.h"
#include "raft/node/testing/kv_state_machine.h"
#include "raft/node/testing/node_process.h"

namespace curve::raft {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using curve::testing::Latencies;
using curve::testing::MeasureFdatasync;
using curve::testing::ProcessCpuSeconds;
using curve::testing::Summarize;

// Node 1's state machine: the load only needs the commit, not the data.
class NullStateMachine final : public StateMachine {
 public:
  void Apply(Index, const std::string&) override {}
  Result<std::string> SaveSnapshot() override { return std::string(); }
  Status LoadSnapshot(const SnapshotMeta&, const std::string&) override { return Status::Ok(); }
};

// Keeps `depth` proposals in flight on each of `groups`, recording commit latencies of those
// that start after the warm-up.
class ClosedLoop {
 public:
  ClosedLoop(std::vector<std::shared_ptr<RaftGroup>> groups, int depth)
      : groups_(std::move(groups)), depth_(depth), value_(4096, 'x') {}

  Latencies Run(double warmup_seconds, double seconds) {
    measure_from_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(warmup_seconds));
    measure_until_ = measure_from_ + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(seconds));
    for (size_t g = 0; g < groups_.size(); ++g) {
      for (int d = 0; d < depth_; ++d) Issue(g, static_cast<uint64_t>(d));
    }
    std::this_thread::sleep_until(measure_until_);
    stop_ = true;
    // Let the proposals in flight finish before the next run reuses the groups.
    curve::testing::PollUntil([&] { return in_flight_ == 0; }, std::chrono::seconds(20));
    std::lock_guard<std::mutex> lock(mu_);
    return Summarize(samples_, seconds);
  }
  uint64_t failures() const { return failures_; }

 private:
  void Issue(size_t g, uint64_t seq) {
    ++in_flight_;
    auto start = Clock::now();
    groups_[g]->Propose(
        EncodePut("k" + std::to_string(seq % 16), value_),
        [this, g, seq, start](Result<Index> result) {
          auto now = Clock::now();
          if (!result.ok()) {
            ++failures_;
          } else if (start >= measure_from_ && now <= measure_until_) {
            std::lock_guard<std::mutex> lock(mu_);
            samples_.push_back(std::chrono::duration<double, std::milli>(now - start).count());
          }
          if (!stop_) Issue(g, seq + static_cast<uint64_t>(depth_));
          --in_flight_;
        });
  }

  std::vector<std::shared_ptr<RaftGroup>> groups_;
  const int depth_;
  const std::string value_;
  Clock::time_point measure_from_, measure_until_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<uint64_t> failures_{0};
  std::mutex mu_;
  std::vector<double> samples_;
};

struct Options {
  std::string dir;
  double seconds = 5;
  double idle_seconds = 10;
  int groups = 100;
  int driver_threads = 1;
  int heartbeat_tick = 1;
  bool sync = true;  // off only to see what the pipeline costs without the disk

  Status Load(config::ConfigSource& source) {
    CURVE_RETURN_IF_ERROR(source.Read("sync", &sync));
    CURVE_RETURN_IF_ERROR(source.Read("driver_threads", &driver_threads, 1, 64));
    CURVE_RETURN_IF_ERROR(source.Read("heartbeat_tick", &heartbeat_tick, 1, 9));
    CURVE_RETURN_IF_ERROR(source.Read("dir", &dir));
    CURVE_RETURN_IF_ERROR(source.Read("seconds", &seconds));
    CURVE_RETURN_IF_ERROR(source.Read("idle_seconds", &idle_seconds));
    return source.Read("groups", &groups, 1, 10000);
  }
};

int Run(int argc, char** argv) {
  auto command_line = config::ParseCommandLine(argc, argv);
  Options options;
  if (!command_line.ok() || !config::LoadOptions(*command_line, {}, &options).ok()) {
    std::fprintf(stderr,
                 "usage: raft_bench [--dir=D] [--seconds=S] [--idle_seconds=S] [--groups=N]\n");
    return 2;
  }
  log::LogOptions log_options;
  log_options.level = "warn";
  (void)log::Init(log_options);
  if (!options.dir.empty()) setenv("TMPDIR", options.dir.c_str(), 1);
  curve::testing::TempDir dir;

  auto disk = MeasureFdatasync(dir.path(), 2.0);
  auto disk3 = MeasureFdatasync(dir.path(), 2.0, /*writers=*/3);
  if (!disk.ok() || !disk3.ok()) {
    std::fprintf(stderr, "raft_bench: %s %s\n", disk.status().ToString().c_str(),
                 disk3.status().ToString().c_str());
    return 1;
  }

  std::map<NodeId, int> ports;
  for (NodeId id : {1, 2, 3}) ports[id] = curve::testing::PickFreePort();
  std::vector<std::unique_ptr<NodeProcess>> children;
  for (NodeId id : {2, 3}) {
    NodeProcessOptions o;
    o.id = id;
    o.port = ports[id];
    o.data_dir = dir.path() + "/node" + std::to_string(id);
    o.peers = ports;
    o.members = {1, 2, 3};
    o.groups = options.groups;
    o.tick = milliseconds(100);
    o.quiet = true;
    o.sync = options.sync;
    o.extra_flags = {"--driver_threads=" + std::to_string(options.driver_threads),
                     "--heartbeat_tick=" + std::to_string(options.heartbeat_tick)};
    o.stderr_path = dir.path() + "/node" + std::to_string(id) + ".log";
    auto child = NodeProcess::Start(o);
    if (!child.ok()) {
      std::fprintf(stderr, "raft_bench: %s\n", child.status().ToString().c_str());
      return 1;
    }
    children.push_back(std::move(child).value());
  }

  RaftServerOptions server_options;
  server_options.node_id = 1;
  server_options.listen_address = "127.0.0.1:" + std::to_string(ports[1]);
  server_options.data_dir = dir.path() + "/node1";
  server_options.tick_interval = milliseconds(100);
  server_options.driver_threads = options.driver_threads;
  server_options.sync = options.sync;
  for (auto& [id, port] : ports) server_options.peers[id] = "127.0.0.1:" + std::to_string(port);
  auto server = RaftServer::Start(server_options);
  if (!server.ok()) {
    std::fprintf(stderr, "raft_bench: %s\n", server.status().ToString().c_str());
    return 1;
  }
  NullStateMachine machine;
  std::vector<std::shared_ptr<RaftGroup>> groups;
  for (GroupId g = 1; g <= static_cast<GroupId>(options.groups); ++g) {
    GroupOptions group;
    group.id = g;
    group.initial_members = {1, 2, 3};
    group.raft.heartbeat_tick = options.heartbeat_tick;
    group.state_machine = &machine;
    auto handle = (*server)->CreateGroup(group);
    if (!handle.ok()) {
      std::fprintf(stderr, "raft_bench: %s\n", handle.status().ToString().c_str());
      return 1;
    }
    (*handle)->Campaign([](Status) {});
    groups.push_back(*handle);
  }
  // Every group led by node 1, where the load runs; ask the other leaders to hand over.
  bool led = curve::testing::PollUntil(
      [&] {
        bool all = true;
        for (auto& g : groups) {
          auto s = g->GetStatus();
          if (s.ok() && s->role == Role::kLeader) continue;
          all = false;
          if (s.ok() && s->leader >= 2) (void)children[s->leader - 2]->TransferLeader(g->id(), 1);
        }
        return all;
      },
      std::chrono::seconds(60));
  if (!led) {
    std::fprintf(stderr, "raft_bench: node 1 did not become leader of every group\n");
    return 1;
  }

  // Idle: heartbeats only.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::vector<pid_t> pids = {0, children[0]->pid(), children[1]->pid()};
  std::vector<double> cpu_before;
  for (pid_t pid : pids) cpu_before.push_back(ProcessCpuSeconds(pid));
  auto idle_start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(options.idle_seconds));
  double idle_elapsed = std::chrono::duration<double>(Clock::now() - idle_start).count();
  std::vector<double> cpu_pct;
  double cpu_total = 0;
  for (size_t i = 0; i < pids.size(); ++i) {
    cpu_pct.push_back(100.0 * (ProcessCpuSeconds(pids[i]) - cpu_before[i]) / idle_elapsed);
    cpu_total += cpu_pct.back();
  }

  // The disk's latency drifts on shared machines: each workload gets its own reference, probed
  // right before and right after it.
  struct Row {
    std::string name;
    Latencies l;
    double syncs_per_second = 0;
    double disk_p50_ms = 0;
  };
  std::vector<Row> rows;
  auto run = [&](const std::string& name, std::vector<std::shared_ptr<RaftGroup>> load,
                 int depth) -> Status {
    CURVE_ASSIGN_OR_RETURN(Latencies before, MeasureFdatasync(dir.path(), 1.5));
    uint64_t syncs_before = (*server)->stats().storage.syncs;
    auto start = Clock::now();
    ClosedLoop loop(std::move(load), depth);
    Latencies l = loop.Run(1.0, options.seconds);
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    double syncs = static_cast<double>((*server)->stats().storage.syncs - syncs_before);
    CURVE_ASSIGN_OR_RETURN(Latencies after, MeasureFdatasync(dir.path(), 1.5));
    rows.push_back(Row{name, l, syncs / elapsed, (before.p50_ms + after.p50_ms) / 2});
    if (loop.failures() > 0) {
      std::fprintf(stderr, "raft_bench: %s: %llu proposals failed\n", name.c_str(),
                   static_cast<unsigned long long>(loop.failures()));
    }
    return Status::Ok();
  };
  Status ran = run("1 group, 1 in flight", {groups[0]}, 1);
  if (ran.ok()) ran = run("1 group, 32 in flight", {groups[0]}, 32);
  if (ran.ok()) ran = run(std::to_string(groups.size()) + " groups, 1 in flight each", groups, 1);
  if (!ran.ok()) {
    std::fprintf(stderr, "raft_bench: %s\n", ran.ToString().c_str());
    return 1;
  }

  std::printf(
      "raft_bench: 3 processes on loopback (this one leads every group; nodes 2, 3 are\n"
      "raft_test_node children), fsync %s, 4 KiB entries, %zu groups of 3, %d driver "
      "thread(s) per process,\nlog dirs in %s\n\n",
      options.sync ? "on" : "OFF", groups.size(), options.driver_threads, dir.path().c_str());
  std::printf(
      "disk reference (same dir, same run; write+fdatasync of 4 KiB appends to a fresh "
      "file):\n  1 writer:  %6.0f/s, p50 %.3f ms, p99 %.3f ms\n  3 writers: %6.0f/s in "
      "total, p50 %.3f ms, p99 %.3f ms (the 3 logs of this cluster sync concurrently)\n"
      "  per workload: 1-writer p50 probed just before and after it ('fdatasync p50')\n\n",
      disk->per_second, disk->p50_ms, disk->p99_ms, disk3->per_second, disk3->p50_ms,
      disk3->p99_ms);
  std::printf("| %-28s | %11s | %8s | %8s | %14s | %10s | %10s | %14s |\n", "workload",
              "proposals/s", "p50 ms", "p99 ms", "fdatasync p50", "p50 ratio", "vs 1 group",
              "leader syncs/s");
  std::printf(
      "|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(30, '-').c_str(), std::string(13, '-').c_str(),
      std::string(10, '-').c_str(), std::string(10, '-').c_str(), std::string(16, '-').c_str(),
      std::string(12, '-').c_str(), std::string(12, '-').c_str(), std::string(16, '-').c_str());
  double base = rows[0].l.per_second;
  for (const Row& r : rows) {
    std::printf("| %-28s | %11.0f | %8.3f | %8.3f | %11.3f ms | %9.2fx | %9.2fx | %14.0f |\n",
                r.name.c_str(), r.l.per_second, r.l.p50_ms, r.l.p99_ms, r.disk_p50_ms,
                r.disk_p50_ms > 0 ? r.l.p50_ms / r.disk_p50_ms : 0.0,
                base > 0 ? r.l.per_second / base : 0.0, r.syncs_per_second);
  }
  std::printf(
      "\nidle: %zu groups x 3 members for %.0f s: %.2f%% of one core in total "
      "(node 1 %.2f%%, node 2 %.2f%%, node 3 %.2f%%)\n",
      groups.size(), idle_elapsed, cpu_total, cpu_pct[0], cpu_pct[1], cpu_pct[2]);
  auto verdict = [](bool ok) { return ok ? "met" : "NOT met"; };
  double ratio = rows[2].l.per_second / std::max(1.0, base);
  double p50_ratio = rows[0].l.p50_ms / std::max(1e-9, rows[0].disk_p50_ms);
  std::printf(
      "targets: idle < 2%% of a core: %s (%.2f%%); commit p50 <= 2x fdatasync p50: %s "
      "(%.2fx); %zu-group throughput >= 5x 1-group: %s (%.1fx)\n",
      verdict(cpu_total < 2.0), cpu_total, verdict(p50_ratio <= 2.0), p50_ratio, groups.size(),
      verdict(ratio >= 5.0), ratio);

  (*server)->Shutdown();
  for (auto& child : children) child->Stop();
  return 0;
}

}  // namespace
}  // namespace curve::raft

int main(int argc, char** argv) { return curve::raft::Run(argc, argv); }
