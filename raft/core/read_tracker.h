#pragma once

// ReadTracker: a leader's heartbeat rounds and the reads waiting on them.
//
// Each heartbeat broadcast starts a round with a new, increasing sequence number; followers echo
// it. A read that arrived before a round's heartbeats left is confirmed once a quorum has
// acknowledged that round (ReadIndex). The tick at which each round was sent gives the lease:
// the leader holds it while the quorum-acknowledged round was sent less than the lease length
// ago. Not thread-safe; owned by Raft.

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "raft/core/ready.h"
#include "raft/core/types.h"

namespace curve::raft {

class ReadTracker {
 public:
  // Starts a heartbeat round at tick `now` and returns its sequence number.
  uint64_t StartRound(uint64_t now);
  uint64_t current_seq() const { return seq_; }
  // Whether the latest round's heartbeats are still queued in the core (not yet handed to the
  // driver), so a read arriving now may join it.
  bool round_open() const { return round_open_; }
  void CloseRound() { round_open_ = false; }

  // Queues read `request_id` at `index`, confirmed by round `seq`.
  void Add(uint64_t request_id, Index index, uint64_t seq);
  // Moves every read confirmed by round `acked_seq` into `out`.
  void Release(uint64_t acked_seq, std::vector<ReadState>* out);
  size_t pending() const { return reads_.size(); }

  // The tick at which round `seq` was sent, if still remembered.
  std::optional<uint64_t> SentTick(uint64_t seq) const;

  // Drops every pending read and remembered round (the node is no longer leader).
  void Reset();

 private:
  struct PendingRead {
    uint64_t request_id;
    Index index;
    uint64_t seq;
  };
  struct Round {
    uint64_t seq;
    uint64_t tick;
  };
  static constexpr size_t kMaxRounds = 4096;

  uint64_t seq_ = 0;  // never reset, so a round number is never reused by this node
  bool round_open_ = false;
  std::deque<PendingRead> reads_;
  std::deque<Round> rounds_;
};

}  // namespace curve::raft
