#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "common/status.h"

namespace curve::mds {

// Whether this MDS leads, and who does otherwise. Written by the election thread, read by every
// RPC. Thread-safe.
class LeaderState {
 public:
  void SetLeading(bool leading) { leading_ = leading; }
  bool leading() const { return leading_; }
  void SetLeader(std::string address) {
    std::lock_guard lock(mu_);
    leader_ = std::move(address);
  }
  std::string leader() const {
    std::lock_guard lock(mu_);
    return leader_;
  }
  // OK on the leader; otherwise UNAVAILABLE whose message names the leader (clients also get
  // it in the `curve-mds-leader` trailer) so they can go there.
  Status Check() const {
    if (leading_) return Status::Ok();
    std::string leader = this->leader();
    if (leader.empty()) return UnavailableError("this MDS is not the leader; no leader elected");
    return UnavailableError("this MDS is not the leader; leader=" + leader);
  }

 private:
  std::atomic<bool> leading_{false};
  mutable std::mutex mu_;
  std::string leader_;
};

}  // namespace curve::mds
