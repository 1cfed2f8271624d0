#pragma once

// WriteBatch: what one call to LogStore::Write persists, atomically, for any number of groups.
// After a crash either the whole batch is recovered or none of it.
//
// Per group the operations apply in a fixed order, whatever order the methods were called in:
// snapshot, entries, hard state, compaction. That is the order a raft Ready needs: install the
// received snapshot, append the entries after it, then record the hard state that may commit
// them. Removing a group excludes every other operation on it in the same batch.
//
// A batch is validated as a whole against the groups' current state before anything is written;
// one invalid group operation rejects the batch (see LogStore::Write for the codes).
// Not thread-safe; a batch is a value, moved into Write.

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "raft/core/types.h"
#include "raft/storage/storage_types.h"

namespace curve::raft {

// Everything a batch does to one group.
struct GroupWrite {
  GroupId group = 0;
  // A snapshot to record. With install_snapshot set it replaces the whole log (a snapshot
  // received from the leader: every entry is dropped and the log restarts after it); otherwise it
  // is one the application took at an index of the log, whose entries stay until compacted.
  std::optional<Snapshot> snapshot;
  bool install_snapshot = false;
  // Index-contiguous entries; any existing entries from entries.front().index on are replaced.
  std::vector<Entry> entries;
  std::optional<HardState> hard_state;
  // Drop entries up to and including this index (at most the snapshot's index).
  std::optional<Index> compact_to;
  bool remove = false;
};

class WriteBatch {
 public:
  // Appends entries to `group`. Entries for the same group in one batch must continue one another
  // or restart inside the run already added (which replaces its tail, like the log does).
  void Append(GroupId group, std::vector<Entry> entries);

  void SetHardState(GroupId group, const HardState& hard_state);

  // Records a snapshot the application took; its index must be in the log (or the current
  // snapshot's) and its term that entry's term. Entries stay until Compact.
  void SaveSnapshot(GroupId group, Snapshot snapshot);

  // Replaces the group's log by a snapshot received from the leader (not older than the current
  // snapshot). Later entries in the same batch must follow it.
  void InstallSnapshot(GroupId group, Snapshot snapshot);

  // Starts the log of a founding member of a new group: snapshot point 0 with `config`.
  void Bootstrap(GroupId group, const Configuration& config);

  // Drops entries up to and including `index`, which the latest snapshot must cover.
  void Compact(GroupId group, Index index);

  // Forgets the group: its entries, hard state and snapshot.
  void RemoveGroup(GroupId group);

  bool empty() const { return writes_.empty(); }
  const std::vector<GroupWrite>& writes() const { return writes_; }
  std::vector<GroupWrite>& mutable_writes() { return writes_; }

  // Roughly the bytes the batch takes in the log.
  uint64_t ApproximateBytes() const;

 private:
  GroupWrite& For(GroupId group);

  std::vector<GroupWrite> writes_;
  std::unordered_map<GroupId, size_t> positions_;
};

}  // namespace curve::raft
