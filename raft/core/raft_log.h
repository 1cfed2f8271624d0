#pragma once

// RaftLog: a node's log as the protocol sees it. Stable entries are read through the LogReader;
// entries and a snapshot that the driver has not yet persisted ("unstable") are held here until
// Advance reports them durable. Also tracks the commit and applied indexes and the
// configuration history (a configuration takes effect when its entry is appended). Not
// thread-safe; owned by Raft.

#include <cstdint>
#include <optional>
#include <vector>

#include "common/result.h"
#include "raft/core/config_history.h"
#include "raft/core/log_reader.h"
#include "raft/core/types.h"

namespace curve::raft {

class RaftLog {
 public:
  // Loads the snapshot point, the commit index of the persisted hard state and every
  // configuration entry of the stable log. `applied` (0 = the snapshot index) is the index the
  // application's state already reflects. `storage` must outlive this object.
  RaftLog(const LogReader* storage, Index applied);

  RaftLog(const RaftLog&) = delete;
  RaftLog& operator=(const RaftLog&) = delete;

  Index FirstIndex() const;
  Index LastIndex() const;
  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  // The last index known to be durable (entries above it live only in memory).
  Index StableLastIndex() const;

  // Term of `index`: OutOfRange when compacted, 0 past LastIndex().
  Result<Term> TermAt(Index index) const;
  // TermAt that treats compaction as "unknown": 0.
  Term TermOrZero(Index index) const;
  Term LastTerm() const { return TermOrZero(LastIndex()); }
  bool MatchTerm(Index index, Term term) const;
  EntryId LastEntryId() const { return EntryId{LastTerm(), LastIndex()}; }

  // Whether a log ending at (last_index, last_term) is at least as up to date as this one.
  bool IsUpToDate(Index last_index, Term last_term) const;

  // Entries [lo, hi), capped at max_bytes but at least one. OutOfRange when lo is compacted.
  Result<std::vector<Entry>> Slice(Index lo, Index hi, uint64_t max_bytes) const;

  // The follower's append: when (prev_index, prev_term) matches, appends the entries that are
  // new (truncating a conflicting suffix above the commit index), commits up to
  // min(commit, prev_index + entries.size()) and returns that last new index.
  std::optional<Index> MaybeAppend(Index prev_index, Term prev_term, Index commit,
                                   std::vector<Entry> entries);

  // Appends entries whose first index is in (committed, LastIndex() + 1], truncating the
  // existing suffix from there. Returns the new last index.
  Index Append(std::vector<Entry> entries);

  // First index among `entries` whose term differs from ours or which we lack; 0 if none.
  Index FindConflict(const std::vector<Entry>& entries) const;

  // The largest index <= `index` whose term is <= `term` (or the first unknown index while
  // walking back into the compacted region), used to skip back over a conflicting term at once.
  Index FindConflictByTerm(Index index, Term term) const;

  // Commits up to `index` when it is above the commit index and was written in `term`
  // (a leader only commits entries of its own term by counting). True if commit advanced.
  bool MaybeCommit(Index index, Term term);
  void CommitTo(Index index);
  void AppliedTo(Index index);

  // Drops entries handed to the driver from the unstable part once they are durable; ignored if
  // the position was overwritten meanwhile.
  void StableTo(EntryId last);
  void StableSnapshotTo(Index index);

  // Replaces the whole log by `snapshot` (received from the leader); committed moves to it.
  void Restore(const Snapshot& snapshot);

  const std::vector<Entry>& UnstableEntries() const { return unstable_; }
  const std::optional<Snapshot>& UnstableSnapshot() const { return unstable_snapshot_; }

  // Committed entries not yet applied, from max(applied + 1, FirstIndex()), capped at max_bytes.
  std::vector<Entry> NextCommittedEntries(uint64_t max_bytes) const;
  bool HasNextCommittedEntries() const;

  const ConfigHistory& configs() const { return configs_; }

 private:
  void RecordConfigurations(const std::vector<Entry>& entries);

  const LogReader* storage_;
  std::optional<Snapshot> unstable_snapshot_;
  std::vector<Entry> unstable_;  // unstable_[0], if any, has index offset_
  Index offset_ = 1;
  Index committed_ = 0;
  Index applied_ = 0;
  ConfigHistory configs_;
};

}  // namespace curve::raft
