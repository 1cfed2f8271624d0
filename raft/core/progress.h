#pragma once

// Progress: the leader's view of one peer's log, and the flow control that paces replication to
// it. Not thread-safe; owned by the leader's Raft.
//
// States:
//   kProbe      next is a guess; at most one append is outstanding until the peer answers (or a
//               heartbeat response arrives), so a mismatch costs one round trip per retry.
//   kReplicate  the peer's log matches up to `match`; appends are pipelined optimistically,
//               advancing `next` at send time, up to a window of in-flight messages and bytes.
//   kSnapshot   a snapshot is on its way; nothing else is sent until the peer acknowledges an
//               index at or past it, or the driver reports the transfer failed.

#include <cstdint>
#include <deque>
#include <ostream>

#include "raft/core/types.h"

namespace curve::raft {

// The window of appends sent but not yet acknowledged in kReplicate.
class Inflights {
 public:
  Inflights(size_t max_messages, uint64_t max_bytes)
      : max_messages_(max_messages), max_bytes_(max_bytes) {}

  bool Full() const;
  size_t count() const { return window_.size(); }
  uint64_t bytes() const { return bytes_; }

  // Records a message whose last entry is `last_index`; indexes must increase.
  void Add(Index last_index, uint64_t bytes);
  // Releases every message whose last index is <= `index` (acknowledged).
  void FreeLE(Index index);
  // Releases the oldest message, to let a probe through a window that responses never emptied.
  void FreeFirstOne();
  void Reset();

 private:
  struct Flight {
    Index last_index;
    uint64_t bytes;
  };
  size_t max_messages_;
  uint64_t max_bytes_;  // 0 = no byte limit
  std::deque<Flight> window_;
  uint64_t bytes_ = 0;
};

enum class ProgressState : uint8_t { kProbe, kReplicate, kSnapshot };

const char* ProgressStateName(ProgressState state);

class Progress {
 public:
  Progress(Index next, size_t max_inflight_messages, uint64_t max_inflight_bytes)
      : next_(next), inflights_(max_inflight_messages, max_inflight_bytes) {}

  Index match() const { return match_; }
  Index next() const { return next_; }
  ProgressState state() const { return state_; }
  Index pending_snapshot() const { return pending_snapshot_; }
  const Inflights& inflights() const { return inflights_; }
  Inflights& inflights_mutable() { return inflights_; }

  // Whether the peer was heard from since the last check-quorum round.
  bool recent_active = true;
  // The latest heartbeat round the peer acknowledged (reads and leases).
  uint64_t acked_read_seq = 0;

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(Index snapshot_index);

  // The peer acknowledged `index`. Returns true if match advanced.
  bool MaybeUpdate(Index index);
  // The leader sent entries up to `last` (empty sends pass last = next - 1) of `bytes` bytes.
  void SentEntries(Index last, uint64_t bytes);
  // The peer rejected an append at `rejected`; `hint` is the highest index that may still match.
  // Returns false when the rejection is stale (a response to an outdated send).
  bool MaybeDecreaseTo(Index rejected, Index hint);

  // A heartbeat response: the peer is alive, so a probe may go out again.
  void OnHeartbeatResponse();

  // The driver reports the end of a snapshot transfer (RaftCore::ReportSnapshot). Either way the
  // peer goes back to probing, starting after the snapshot on success, and waits for its next
  // response before sending.
  void OnSnapshotReport(bool success);

  // Whether sending must wait: a probe is outstanding, the window is full or a snapshot is in
  // flight.
  bool IsPaused() const;

 private:
  void ResetState(ProgressState state);

  Index match_ = 0;
  Index next_;
  ProgressState state_ = ProgressState::kProbe;
  Index pending_snapshot_ = 0;
  bool probe_sent_ = false;
  Inflights inflights_;
};

std::ostream& operator<<(std::ostream& os, const Progress& pr);

}  // namespace curve::raft
