#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "operator/k8s/clock.h"
#include "operator/k8s/rate_limiter.h"

namespace curve::k8s {

// The controllers' queue of object keys, with client-go's semantics:
//  - de-duplicating: a key added several times before a worker takes it is processed once;
//  - never concurrent: a key added while a worker processes it is held back and handed out again
//    only after that worker calls Done();
//  - delayed adds (AddAfter) and rate-limited adds (AddRateLimited: the limiter's delay, e.g.
//    per-key exponential backoff and an overall token bucket); Forget() resets a key's backoff.
// Thread-safe. Delays are measured on `clock`.
class WorkQueue {
 public:
  using Duration = Clock::Duration;

  WorkQueue(const Clock* clock, std::unique_ptr<RateLimiter> limiter);
  ~WorkQueue();

  void Add(const std::string& key);
  // Adds `key` once `delay` has passed (at once when <= 0). A key already waiting keeps the
  // earlier of its two times.
  void AddAfter(const std::string& key, Duration delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key);

  // Blocks until a key is ready and returns it, marking it as processing; nullopt once ShutDown
  // was called. Every returned key must be passed to Done().
  std::optional<std::string> Get();
  // Like Get() but returns nullopt at once when nothing is ready.
  std::optional<std::string> TryGet();
  void Done(const std::string& key);

  // Wakes every Get(); later Adds are ignored.
  void ShutDown();
  bool shutting_down();

  // Keys ready to be handed out (not counting waiting or processing ones).
  size_t Len();
  // Keys waiting for their delay.
  size_t NumWaiting();

 private:
  void AddLocked(const std::string& key);
  // Moves waiting keys whose time has come into the queue; returns the next waiting time.
  std::optional<Clock::TimePoint> PromoteLocked();
  std::optional<std::string> PopLocked();

  const Clock* clock_;
  std::unique_ptr<RateLimiter> limiter_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;       // queued or to be queued after processing
  std::set<std::string> processing_;  // handed out, Done() not yet called
  std::map<std::string, Clock::TimePoint> waiting_;
  bool shutting_down_ = false;
};

}  // namespace curve::k8s
