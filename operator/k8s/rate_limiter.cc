#include "operator/k8s/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace curve::k8s {

RateLimiter::Duration ItemExponentialRateLimiter::When(const std::string& item) {
  std::lock_guard<std::mutex> guard(mu_);
  int exponent = failures_[item]++;
  double delay = static_cast<double>(base_.count()) * std::pow(2.0, std::min(exponent, 62));
  if (delay >= static_cast<double>(max_.count())) return max_;
  return Duration(static_cast<Duration::rep>(delay));
}

void ItemExponentialRateLimiter::Forget(const std::string& item) {
  std::lock_guard<std::mutex> guard(mu_);
  failures_.erase(item);
}

int ItemExponentialRateLimiter::NumRequeues(const std::string& item) {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = failures_.find(item);
  return it == failures_.end() ? 0 : it->second;
}

TokenBucketRateLimiter::TokenBucketRateLimiter(double qps, int burst, const Clock* clock)
    : qps_(qps), burst_(burst), clock_(clock), tokens_(burst), last_(clock->Now()) {}

RateLimiter::Duration TokenBucketRateLimiter::When(const std::string&) {
  std::lock_guard<std::mutex> guard(mu_);
  auto now = clock_->Now();
  if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
  tokens_ -= 1;
  if (tokens_ >= 0) return Duration::zero();
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

RateLimiter::Duration MaxOfRateLimiter::When(const std::string& item) {
  Duration longest = Duration::zero();
  for (auto& limiter : limiters_) longest = std::max(longest, limiter->When(item));
  return longest;
}

void MaxOfRateLimiter::Forget(const std::string& item) {
  for (auto& limiter : limiters_) limiter->Forget(item);
}

int MaxOfRateLimiter::NumRequeues(const std::string& item) {
  int most = 0;
  for (auto& limiter : limiters_) most = std::max(most, limiter->NumRequeues(item));
  return most;
}

std::unique_ptr<RateLimiter> MakeControllerRateLimiter(const RateLimiterOptions& options,
                                                       const Clock* clock) {
  std::vector<std::unique_ptr<RateLimiter>> parts;
  parts.push_back(
      std::make_unique<ItemExponentialRateLimiter>(options.base_delay, options.max_delay));
  parts.push_back(std::make_unique<TokenBucketRateLimiter>(options.qps, options.burst, clock));
  return std::make_unique<MaxOfRateLimiter>(std::move(parts));
}

}  // namespace curve::k8s
