#include "csi/util/operation_locks.h"

namespace curve::csi {

OperationLocks::Guard::~Guard() {
  if (locks_ != nullptr) locks_->Release(key_);
}

Result<OperationLocks::Guard> OperationLocks::TryAcquire(const std::string& key,
                                                         std::string_view what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!held_.insert(key).second) {
    return AbortedError("an operation on " + std::string(what) + " " + key +
                        " is already in progress");
  }
  return Guard(this, key);
}

bool OperationLocks::IsHeld(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_.count(key) > 0;
}

void OperationLocks::Release(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  held_.erase(key);
}

}  // namespace curve::csi
