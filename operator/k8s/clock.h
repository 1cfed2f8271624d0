#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace curve::k8s {

// Monotonic time for the controller machinery, so tests can run on a clock they advance.
// Implementations are thread-safe.
class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Blocks on `cv` (whose mutex `lock` holds) until notified or until Now() reaches `deadline`.
  // May return early (spuriously); callers re-check their condition in a loop.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline) const = 0;

  // The process-wide steady clock.
  static Clock* Real();
};

// The steady clock.
class RealClock : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override {
    cv.wait_until(lock, deadline);
  }
};

// A clock that moves only when Advance() is called. Waiters re-check it every few real
// milliseconds, so advancing it wakes them promptly without any coupling to their mutexes.
class FakeClock : public Clock {
 public:
  TimePoint Now() const override {
    std::lock_guard<std::mutex> guard(mu_);
    return now_;
  }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override {
    if (Now() >= deadline) return;
    cv.wait_for(lock, std::chrono::milliseconds(2));
  }
  void Advance(Duration d) {
    std::lock_guard<std::mutex> guard(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_{std::chrono::hours(1)};
};

inline Clock* Clock::Real() {
  static RealClock clock;
  return &clock;
}

}  // namespace curve::k8s
