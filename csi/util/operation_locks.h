#pragma once

#include <mutex>
#include <set>
#include <string>

#include "common/result.h"

namespace curve::csi {

// Per-key operation locks, as ceph-csi has them: a second operation on a key that is in
// progress is refused at once with ABORTED (the CO retries later) instead of queueing behind
// it. Thread-safe.
class OperationLocks {
 public:
  // Released by the destructor.
  class Guard {
   public:
    Guard() = default;
    Guard(Guard&& other) noexcept : locks_(other.locks_), key_(std::move(other.key_)) {
      other.locks_ = nullptr;
    }
    Guard& operator=(Guard&&) = delete;
    ~Guard();
    bool held() const { return locks_ != nullptr; }

   private:
    friend class OperationLocks;
    Guard(OperationLocks* locks, std::string key) : locks_(locks), key_(std::move(key)) {}
    OperationLocks* locks_ = nullptr;
    std::string key_;
  };

  // Takes the lock of `key`; ABORTED naming `what` and the key when it is held:
  //   CURVE_ASSIGN_OR_RETURN(auto guard, locks.TryAcquire(volume_id, "volume"));
  Result<Guard> TryAcquire(const std::string& key, std::string_view what);

  bool IsHeld(const std::string& key) const;

 private:
  void Release(const std::string& key);

  mutable std::mutex mu_;
  std::set<std::string> held_;
};

}  // namespace curve::csi
