#include "services/snapshotclone/task_runner.h"

#include <algorithm>
#include <vector>

#include "common/logging.h"
#include "services/snapshotclone/clone_worker.h"
#include "services/snapshotclone/snapshot_worker.h"
#include "services/snapshotclone/task_store.h"

namespace curve::snapshotclone {

TaskRunner::TaskRunner(TaskStore& store, SnapshotWorker& snapshots, CloneWorker& clones,
                       RunnerOptions options)
    : store_(store), snapshots_(snapshots), clones_(clones), options_(options) {}

TaskRunner::~TaskRunner() { Stop(); }

void TaskRunner::Start() {
  if (loop_.joinable()) return;
  stop_ = false;
  loop_ = std::thread([this] { Loop(); });
}

void TaskRunner::Stop() {
  stop_ = true;
  cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  std::map<std::string, Job> jobs;
  {
    std::lock_guard lock(mu_);
    jobs.swap(jobs_);
  }
  for (auto& [uuid, job] : jobs) job.thread.join();
}

void TaskRunner::Poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

int TaskRunner::running() const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const auto& [uuid, job] : jobs_) n += job.finished->load() ? 0 : 1;
  return n;
}

void TaskRunner::Loop() {
  auto logger = log::Get("snapshotclone");
  while (!stop_.load()) {
    auto started = ScanOnce();
    if (!started.ok()) logger->warn("op=ScanTasks err=\"{}\"", started.status().ToString());
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.scan_interval, [&] { return poked_ || stop_.load(); });
    poked_ = false;
  }
}

void TaskRunner::Reap() {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mu_);
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if (it->second.finished->load()) {
        done.push_back(std::move(it->second.thread));
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& thread : done) thread.join();
}

bool TaskRunner::Launch(const std::string& uuid, std::set<std::string> volumes, bool snapshot) {
  std::lock_guard lock(mu_);
  if (jobs_.count(uuid) || static_cast<int>(jobs_.size()) >= options_.max_tasks) return false;
  for (const auto& [other, job] : jobs_) {
    for (const auto& volume : volumes) {
      if (job.volumes.count(volume)) return false;
    }
  }
  auto finished = std::make_shared<std::atomic<bool>>(false);
  Job& job = jobs_[uuid];
  job.volumes = std::move(volumes);
  job.finished = finished;
  job.thread = std::thread([this, uuid, snapshot, finished] {
    Status status = snapshot ? snapshots_.Run(uuid, stop_) : clones_.Run(uuid, stop_);
    if (!status.ok() && status.code() != StatusCode::kAborted) {
      log::Get("snapshotclone")
          ->warn("op=RunTask uuid={} kind={} err=\"{}\"", uuid, snapshot ? "snapshot" : "clone",
                 status.ToString());
    }
    finished->store(true);
    Poke();
  });
  return true;
}

Result<int> TaskRunner::ScanOnce() {
  Reap();
  CURVE_ASSIGN_OR_RETURN(auto snapshots, store_.ListSnapshots());
  CURVE_ASSIGN_OR_RETURN(auto clones, store_.ListClones());
  // (time, kind, uuid, volumes): oldest first; volumes claimed by an older waiting task stay
  // claimed, so a queue per volume keeps its order.
  struct Candidate {
    int64_t time;
    bool snapshot;
    std::string uuid;
    std::set<std::string> volumes;
  };
  std::vector<Candidate> candidates;
  for (const auto& s : snapshots) {
    if (Unfinished(s)) candidates.push_back({s.time_us, true, s.uuid, {s.file}});
  }
  for (const auto& c : clones) {
    if (!Unfinished(c) || c.status == CloneStatus::kCleaning) continue;
    std::set<std::string> volumes{c.destination};
    if (!c.source_is_snapshot) volumes.insert(c.source);
    candidates.push_back({c.time_us, false, c.uuid, volumes});
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.time < b.time; });
  std::set<std::string> claimed;
  int started = 0;
  for (const auto& c : candidates) {
    if (stop_.load()) break;
    bool blocked = std::any_of(c.volumes.begin(), c.volumes.end(),
                               [&](const std::string& v) { return claimed.count(v) > 0; });
    claimed.insert(c.volumes.begin(), c.volumes.end());
    if (blocked) continue;
    {
      std::lock_guard lock(mu_);
      if (jobs_.count(c.uuid)) continue;
    }
    if (Launch(c.uuid, c.volumes, c.snapshot)) ++started;
  }
  return started;
}

}  // namespace curve::snapshotclone
