#pragma once

// WriteSequence: the volume sequence a libcurve client writes with, and the one it may report.
//
// Every write carries the volume's sequence (copy-on-write snapshots, see
// proto/chunkserver/chunk.proto). A write takes the current sequence when it is issued (Begin)
// and returns it when it completes, after any retries (End). The MDS raises the volume's
// sequence with each snapshot; the session refresh answers it and the client switches (Advance):
// later writes carry the new one. The snapshot is frozen once no write with its sequence can
// still reach a chunk, so the client reports (reportable()) the oldest sequence still carried
// by a write in flight, or the current one when none is older. Thread-safe.

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>

namespace curve::client {

class WriteSequence {
 public:
  // `initial` 0 (an MDS from before sequences) counts as 1.
  explicit WriteSequence(uint64_t initial) : current_(initial == 0 ? 1 : initial) {}

  // The sequence a write issued now carries; counted in flight until End.
  uint64_t Begin() {
    std::lock_guard lock(mu_);
    ++in_flight_[current_];
    return current_;
  }

  // A write that carried `sequence` completed. True when it was the last one in flight older
  // than the current sequence: reportable() just rose to current().
  bool End(uint64_t sequence) {
    std::lock_guard lock(mu_);
    auto it = in_flight_.find(sequence);
    if (it == in_flight_.end()) return false;
    if (--it->second > 0) return false;
    in_flight_.erase(it);
    return sequence < current_ && (in_flight_.empty() || in_flight_.begin()->first >= current_);
  }

  // Moves a write in flight with `sequence` to the current one (a retry after a refusal or a
  // switch); returns the sequence it carries now. A write already at the current one keeps it.
  uint64_t Renew(uint64_t sequence, bool* drained) {
    std::lock_guard lock(mu_);
    *drained = false;
    if (sequence >= current_) return sequence;
    auto it = in_flight_.find(sequence);
    if (it != in_flight_.end() && --it->second == 0) {
      in_flight_.erase(it);
      *drained = in_flight_.empty() || in_flight_.begin()->first >= current_;
    }
    ++in_flight_[current_];
    return current_;
  }

  // Switches to `sequence` when it is above the current one; true when it did.
  bool Advance(uint64_t sequence) {
    std::lock_guard lock(mu_);
    if (sequence <= current_) return false;
    current_ = sequence;
    return true;
  }

  uint64_t current() const {
    std::lock_guard lock(mu_);
    return current_;
  }

  // The oldest sequence still carried by a write in flight, or the current one.
  uint64_t reportable() const {
    std::lock_guard lock(mu_);
    if (in_flight_.empty()) return current_;
    return std::min(current_, in_flight_.begin()->first);
  }

 private:
  mutable std::mutex mu_;
  uint64_t current_;                   // guarded by mu_
  std::map<uint64_t, int> in_flight_;  // sequence -> writes carrying it; guarded by mu_
};

}  // namespace curve::client
