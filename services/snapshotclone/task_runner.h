#pragma once

// TaskRunner: the leader's scheduler. Every scan it lists the records in etcd and starts a worker
// thread for each unfinished one (oldest first), at most `max_tasks` at a time and one per
// volume: snapshots of one volume queue behind each other (the MDS allows one snapshot per
// volume), and a clone from a volume or a recover waits for the volume's other tasks. Stop()
// asks the workers to stop (they leave their records for the next leader) and joins them.
// Start/Stop from one thread; Start again after Stop is allowed.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/result.h"

namespace curve::snapshotclone {

class TaskStore;
class SnapshotWorker;
class CloneWorker;

struct RunnerOptions {
  int max_tasks = 4;
  std::chrono::milliseconds scan_interval{std::chrono::milliseconds(500)};
};

class TaskRunner {
 public:
  TaskRunner(TaskStore& store, SnapshotWorker& snapshots, CloneWorker& clones,
             RunnerOptions options);
  ~TaskRunner();

  void Start();
  void Stop();
  // Wakes the scanner now (a task was just created).
  void Poke();
  // One scan: starts what can start. Returns how many workers were started.
  Result<int> ScanOnce();
  // Workers running now.
  int running() const;

 private:
  struct Job {
    std::thread thread;
    std::set<std::string> volumes;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  void Loop();
  void Reap();
  bool Launch(const std::string& uuid, std::set<std::string> volumes, bool snapshot);

  TaskStore& store_;
  SnapshotWorker& snapshots_;
  CloneWorker& clones_;
  const RunnerOptions options_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool poked_ = false;               // guarded by mu_
  std::map<std::string, Job> jobs_;  // by task UUID; guarded by mu_
  std::thread loop_;
};

}  // namespace curve::snapshotclone
