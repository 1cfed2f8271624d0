#include "raft/core/read_tracker.h"

namespace curve::raft {

uint64_t ReadTracker::StartRound(uint64_t now) {
  ++seq_;
  round_open_ = true;
  rounds_.push_back(Round{seq_, now});
  if (rounds_.size() > kMaxRounds) rounds_.pop_front();
  return seq_;
}

void ReadTracker::Add(uint64_t request_id, Index index, uint64_t seq) {
  reads_.push_back(PendingRead{request_id, index, seq});
}

void ReadTracker::Release(uint64_t acked_seq, std::vector<ReadState>* out) {
  // Reads are queued in round order, so the confirmed ones form a prefix.
  while (!reads_.empty() && reads_.front().seq <= acked_seq) {
    out->push_back(ReadState{reads_.front().request_id, reads_.front().index});
    reads_.pop_front();
  }
  // Rounds older than the acknowledged one can no longer extend the lease.
  while (rounds_.size() > 1 && rounds_.front().seq < acked_seq) rounds_.pop_front();
}

std::optional<uint64_t> ReadTracker::SentTick(uint64_t seq) const {
  for (const Round& r : rounds_) {
    if (r.seq == seq) return r.tick;
  }
  return std::nullopt;
}

void ReadTracker::Reset() {
  round_open_ = false;
  reads_.clear();
  rounds_.clear();
}

}  // namespace curve::raft
