#pragma once

// MemoryLog: a LogReader over plain memory, used by tests and the simulator as a node's "disk".
// Besides the LogReader contract it offers the mutations a driver performs on stable storage.
// Not thread-safe.

#include <vector>

#include "common/status.h"
#include "raft/core/log_reader.h"

namespace curve::raft {

class MemoryLog final : public LogReader {
 public:
  // An empty log whose snapshot point is index 0 with an empty configuration: a node that will
  // learn its membership from the leader.
  MemoryLog() = default;

  // A log for a founding member of a new group: the snapshot point is index 0 with `config`.
  static MemoryLog Bootstrap(const Configuration& config);

  // LogReader.
  HardState InitialHardState() const override { return hard_state_; }
  Index FirstIndex() const override { return compacted_.index + 1; }
  Index LastIndex() const override { return compacted_.index + entries_.size(); }
  Result<Term> TermAt(Index index) const override;
  Result<std::vector<Entry>> Entries(Index lo, Index hi, uint64_t max_bytes) const override;
  SnapshotMeta LatestSnapshotMeta() const override { return snapshot_.meta; }
  Result<Snapshot> LatestSnapshot() const override { return snapshot_; }

  void SetHardState(const HardState& hard_state) { hard_state_ = hard_state; }

  // Appends entries, first truncating any existing suffix from entries.front().index on.
  // InvalidArgument when the entries are not contiguous or would leave a gap after LastIndex(),
  // OutOfRange when they start at or before the compaction point.
  Status Append(const std::vector<Entry>& entries);

  // Replaces the whole log by a snapshot received from the leader: every entry is dropped and
  // the compaction point moves to the snapshot. FailedPrecondition when it is older than the
  // current snapshot.
  Status ApplySnapshot(const Snapshot& snapshot);

  // Records a snapshot the application took at `index` (which must be in
  // [snapshot index, LastIndex()]) with the configuration in force there. Entries stay until
  // Compact.
  Status CreateSnapshot(Index index, const Configuration& config, std::string data);

  // Discards entries up to and including `index`, which must be covered by the snapshot.
  Status Compact(Index index);

 private:
  HardState hard_state_;
  Snapshot snapshot_;
  EntryId compacted_;  // the last discarded position; entries_[0] has index compacted_.index + 1
  std::vector<Entry> entries_;
};

}  // namespace curve::raft
