#include "operator/k8s/work_queue.h"

namespace curve::k8s {

WorkQueue::WorkQueue(const Clock* clock, std::unique_ptr<RateLimiter> limiter)
    : clock_(clock), limiter_(std::move(limiter)) {}

WorkQueue::~WorkQueue() { ShutDown(); }

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> guard(mu_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, Duration delay) {
  std::lock_guard<std::mutex> guard(mu_);
  if (shutting_down_) return;
  if (delay <= Duration::zero()) {
    AddLocked(key);
    return;
  }
  auto at = clock_->Now() + delay;
  auto [it, inserted] = waiting_.emplace(key, at);
  if (!inserted && at < it->second) it->second = at;
  cv_.notify_all();
}

void WorkQueue::AddRateLimited(const std::string& key) { AddAfter(key, limiter_->When(key)); }

void WorkQueue::Forget(const std::string& key) { limiter_->Forget(key); }

int WorkQueue::NumRequeues(const std::string& key) { return limiter_->NumRequeues(key); }

std::optional<Clock::TimePoint> WorkQueue::PromoteLocked() {
  if (waiting_.empty()) return std::nullopt;
  auto now = clock_->Now();
  std::optional<Clock::TimePoint> next;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second <= now) {
      AddLocked(it->first);
      it = waiting_.erase(it);
    } else {
      if (!next || it->second < *next) next = it->second;
      ++it;
    }
  }
  return next;
}

std::optional<std::string> WorkQueue::PopLocked() {
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  return key;
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (shutting_down_) return std::nullopt;
    auto next = PromoteLocked();
    if (auto key = PopLocked()) return key;
    auto deadline = next ? *next : clock_->Now() + std::chrono::hours(1);
    clock_->WaitUntil(cv_, lock, deadline);
  }
}

std::optional<std::string> WorkQueue::TryGet() {
  std::lock_guard<std::mutex> guard(mu_);
  if (shutting_down_) return std::nullopt;
  PromoteLocked();
  return PopLocked();
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> guard(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> guard(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

bool WorkQueue::shutting_down() {
  std::lock_guard<std::mutex> guard(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() {
  std::lock_guard<std::mutex> guard(mu_);
  PromoteLocked();
  return queue_.size();
}

size_t WorkQueue::NumWaiting() {
  std::lock_guard<std::mutex> guard(mu_);
  PromoteLocked();
  return waiting_.size();
}

}  // namespace curve::k8s
