#include "raft/core/progress.h"

#include <algorithm>

#include "raft/core/check.h"

namespace curve::raft {

bool Inflights::Full() const {
  return window_.size() >= max_messages_ || (max_bytes_ != 0 && bytes_ >= max_bytes_);
}

void Inflights::Add(Index last_index, uint64_t bytes) {
  CURVE_RAFT_CHECK(window_.empty() || window_.back().last_index < last_index)
      << "in-flight index " << last_index << " after " << window_.back().last_index;
  window_.push_back(Flight{last_index, bytes});
  bytes_ += bytes;
}

void Inflights::FreeLE(Index index) {
  while (!window_.empty() && window_.front().last_index <= index) FreeFirstOne();
}

void Inflights::FreeFirstOne() {
  if (window_.empty()) return;
  bytes_ -= window_.front().bytes;
  window_.pop_front();
}

void Inflights::Reset() {
  window_.clear();
  bytes_ = 0;
}

const char* ProgressStateName(ProgressState state) {
  switch (state) {
    case ProgressState::kProbe:
      return "probe";
    case ProgressState::kReplicate:
      return "replicate";
    case ProgressState::kSnapshot:
      return "snapshot";
  }
  return "unknown";
}

void Progress::ResetState(ProgressState state) {
  state_ = state;
  probe_sent_ = false;
  pending_snapshot_ = 0;
  inflights_.Reset();
}

void Progress::BecomeProbe() {
  // After a snapshot, the peer holds at least the snapshot: probe from just past it.
  if (state_ == ProgressState::kSnapshot) {
    Index pending = pending_snapshot_;
    ResetState(ProgressState::kProbe);
    next_ = std::max(match_ + 1, pending + 1);
  } else {
    ResetState(ProgressState::kProbe);
    next_ = match_ + 1;
  }
}

void Progress::BecomeReplicate() {
  ResetState(ProgressState::kReplicate);
  next_ = match_ + 1;
}

void Progress::BecomeSnapshot(Index snapshot_index) {
  ResetState(ProgressState::kSnapshot);
  pending_snapshot_ = snapshot_index;
}

bool Progress::MaybeUpdate(Index index) {
  bool updated = false;
  if (match_ < index) {
    match_ = index;
    updated = true;
    probe_sent_ = false;
  }
  next_ = std::max(next_, index + 1);
  return updated;
}

void Progress::SentEntries(Index last, uint64_t bytes) {
  switch (state_) {
    case ProgressState::kReplicate:
      if (last >= next_) {
        next_ = last + 1;
        inflights_.Add(last, bytes);
      }
      break;
    case ProgressState::kProbe:
      probe_sent_ = true;
      break;
    case ProgressState::kSnapshot:
      CURVE_RAFT_CHECK(false) << "sending entries to a peer receiving a snapshot";
  }
}

bool Progress::MaybeDecreaseTo(Index rejected, Index hint) {
  if (state_ == ProgressState::kReplicate) {
    // Only a rejection above match is news; the next probe starts right after match.
    if (rejected <= match_) return false;
    next_ = match_ + 1;
    return true;
  }
  // In probe (or snapshot) only the answer to the last send, at next - 1, counts.
  if (next_ == 0 || next_ - 1 != rejected) return false;
  next_ = std::max(std::min(rejected, hint + 1), match_ + 1);
  probe_sent_ = false;
  return true;
}

void Progress::OnHeartbeatResponse() {
  recent_active = true;
  probe_sent_ = false;
  if (state_ == ProgressState::kReplicate && inflights_.Full()) inflights_.FreeFirstOne();
}

void Progress::OnSnapshotReport(bool success) {
  if (state_ != ProgressState::kSnapshot) return;
  if (!success) pending_snapshot_ = 0;
  BecomeProbe();
  probe_sent_ = true;
}

bool Progress::IsPaused() const {
  switch (state_) {
    case ProgressState::kProbe:
      return probe_sent_;
    case ProgressState::kReplicate:
      return inflights_.Full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

std::ostream& operator<<(std::ostream& os, const Progress& pr) {
  return os << ProgressStateName(pr.state()) << " match=" << pr.match() << " next=" << pr.next()
            << " inflight=" << pr.inflights().count();
}

}  // namespace curve::raft
