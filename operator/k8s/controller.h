#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "operator/k8s/clock.h"
#include "operator/k8s/informer.h"
#include "operator/k8s/work_queue.h"

namespace curve::k8s {

// What a reconcile asks for besides success.
struct ReconcileResult {
  bool requeue = false;                                     // again, with the key's backoff
  Clock::Duration requeue_after = Clock::Duration::zero();  // again after this delay
};

// Brings the world in line with the desired state of the object named by `key`
// ("namespace/name"). Level-triggered: it reads current state itself (from informer caches) and
// must be idempotent. An error requeues the key with its exponential backoff.
using ReconcileFunc = std::function<Result<ReconcileResult>(const std::string& key)>;

struct ControllerOptions {
  std::string name = "controller";
  int workers = 2;
  RateLimiterOptions rate_limiter;
};

// The loop of one controller: N workers take keys from a de-duplicating rate-limited queue and
// reconcile them; one key is never reconciled by two workers at once. Thread-safe.
class Controller {
 public:
  Controller(ControllerOptions options, ReconcileFunc reconcile,
             const Clock* clock = Clock::Real());
  ~Controller();

  WorkQueue& queue() { return queue_; }

  // Enqueues the key of every object `informer` adds, updates or deletes. Call before the
  // informer starts.
  void Watch(Informer& informer);
  // Enqueues the owner of every object `informer` reports whose controller ownerReference has
  // kind `owner_kind` (the owner's key uses the object's namespace).
  void WatchOwned(Informer& informer, const std::string& owner_kind);

  void Start();
  // Shuts the queue down and waits for the workers to finish their current reconcile.
  void Stop();

  // Reconciles that returned, successful or not, since the start.
  int64_t reconciles() const { return reconciles_; }

 private:
  void Work();
  void ProcessOne(const std::string& key);

  const ControllerOptions options_;
  const ReconcileFunc reconcile_;
  WorkQueue queue_;
  std::vector<std::thread> workers_;
  std::atomic<int64_t> reconciles_{0};
};

}  // namespace curve::k8s
