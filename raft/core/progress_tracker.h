#pragma once

// ProgressTracker: the current configuration together with, per voter, the leader's Progress and
// the candidate's received votes; answers the quorum questions (commit index, election outcome,
// quorum activity, acknowledged heartbeat round). Not thread-safe; owned by Raft.

#include <cstdint>
#include <map>

#include "raft/core/configuration.h"
#include "raft/core/progress.h"
#include "raft/core/types.h"

namespace curve::raft {

class ProgressTracker {
 public:
  ProgressTracker(size_t max_inflight_messages, uint64_t max_inflight_bytes)
      : max_inflight_messages_(max_inflight_messages), max_inflight_bytes_(max_inflight_bytes) {}

  const Configuration& config() const { return config_; }

  // Installs `config`: new voters get a Progress probing from `next`, departed voters lose
  // theirs, the others keep their state.
  void SetConfiguration(const Configuration& config, Index next);

  // Resets every voter's Progress to probe from `next` with nothing matched (a new leader).
  void ResetProgress(Index next);

  // nullptr when `id` is not a voter.
  Progress* Find(NodeId id);
  const std::map<NodeId, Progress>& progress() const { return progress_; }
  std::map<NodeId, Progress>& mutable_progress() { return progress_; }

  // The highest index a quorum of voters has matched.
  Index QuorumMatch() const;
  // The latest heartbeat round a quorum of voters has acknowledged.
  uint64_t QuorumAckedReadSeq() const;
  // Whether a quorum of voters was heard from since the last reset (`self` always counts).
  bool QuorumActive(NodeId self) const;
  // Clears recent_active for every voter but `self`.
  void ResetRecentActive(NodeId self);

  void ResetVotes() { votes_.clear(); }
  void RecordVote(NodeId id, bool granted) { votes_.emplace(id, granted); }
  VoteResult TallyVotes() const;

 private:
  size_t max_inflight_messages_;
  uint64_t max_inflight_bytes_;
  Configuration config_;
  std::map<NodeId, Progress> progress_;
  std::map<NodeId, bool> votes_;  // first answer per voter wins, so duplicates never count twice
};

}  // namespace curve::raft
