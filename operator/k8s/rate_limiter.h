#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "operator/k8s/clock.h"

namespace curve::k8s {

// Decides how long an item waits before it is retried. Thread-safe.
class RateLimiter {
 public:
  using Duration = Clock::Duration;
  virtual ~RateLimiter() = default;
  // The delay for this retry of `item`; counts the retry.
  virtual Duration When(const std::string& item) = 0;
  // The item succeeded: forget its failures.
  virtual void Forget(const std::string& item) = 0;
  virtual int NumRequeues(const std::string& item) = 0;
};

// base * 2^failures per item, capped at `max`.
class ItemExponentialRateLimiter : public RateLimiter {
 public:
  ItemExponentialRateLimiter(Duration base, Duration max) : base_(base), max_(max) {}
  Duration When(const std::string& item) override;
  void Forget(const std::string& item) override;
  int NumRequeues(const std::string& item) override;

 private:
  const Duration base_;
  const Duration max_;
  std::mutex mu_;
  std::map<std::string, int> failures_;
};

// A token bucket over all items: `burst` retries at once, then `qps` per second. Each When()
// reserves a token and returns how long until it is available.
class TokenBucketRateLimiter : public RateLimiter {
 public:
  TokenBucketRateLimiter(double qps, int burst, const Clock* clock);
  Duration When(const std::string& item) override;
  void Forget(const std::string&) override {}
  int NumRequeues(const std::string&) override { return 0; }

 private:
  const double qps_;
  const double burst_;
  const Clock* clock_;
  std::mutex mu_;
  double tokens_;
  Clock::TimePoint last_;
};

// The longest delay of its parts; Forget and NumRequeues go to all of them (the maximum).
class MaxOfRateLimiter : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
      : limiters_(std::move(limiters)) {}
  Duration When(const std::string& item) override;
  void Forget(const std::string& item) override;
  int NumRequeues(const std::string& item) override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

struct RateLimiterOptions {
  std::chrono::milliseconds base_delay{5};
  std::chrono::milliseconds max_delay{std::chrono::seconds(300)};
  double qps = 10;
  int burst = 100;
};

// Per-item exponential backoff combined with an overall token bucket.
std::unique_ptr<RateLimiter> MakeControllerRateLimiter(const RateLimiterOptions& options,
                                                       const Clock* clock);

}  // namespace curve::k8s
