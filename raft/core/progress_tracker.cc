#include "raft/core/progress_tracker.h"

namespace curve::raft {

void ProgressTracker::SetConfiguration(const Configuration& config, Index next) {
  config_ = config;
  for (auto it = progress_.begin(); it != progress_.end();) {
    it = config_.Contains(it->first) ? std::next(it) : progress_.erase(it);
  }
  for (NodeId id : config_.voters) {
    progress_.try_emplace(id, next, max_inflight_messages_, max_inflight_bytes_);
  }
}

void ProgressTracker::ResetProgress(Index next) {
  progress_.clear();
  for (NodeId id : config_.voters) {
    progress_.try_emplace(id, next, max_inflight_messages_, max_inflight_bytes_);
  }
}

Progress* ProgressTracker::Find(NodeId id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

Index ProgressTracker::QuorumMatch() const {
  return QuorumValue(config_, [this](NodeId id) { return progress_.at(id).match(); });
}

uint64_t ProgressTracker::QuorumAckedReadSeq() const {
  return QuorumValue(config_, [this](NodeId id) { return progress_.at(id).acked_read_seq; });
}

bool ProgressTracker::QuorumActive(NodeId self) const {
  return curve::raft::TallyVotes(config_, [&](NodeId id) {
           return id == self || progress_.at(id).recent_active ? 1 : 0;
         }) == VoteResult::kWon;
}

void ProgressTracker::ResetRecentActive(NodeId self) {
  for (auto& [id, pr] : progress_) pr.recent_active = (id == self);
}

VoteResult ProgressTracker::TallyVotes() const {
  return curve::raft::TallyVotes(config_, [this](NodeId id) {
    auto it = votes_.find(id);
    if (it == votes_.end()) return -1;
    return it->second ? 1 : 0;
  });
}

}  // namespace curve::raft
