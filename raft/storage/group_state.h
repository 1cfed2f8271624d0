#pragma once

// GroupState: what the log knows about one group (hard state, latest snapshot, compaction point
// and where every entry lives), plus the two functions that change it:
//
//   - ApplyRecord replays one log record. Recovery and the live write path both go through it,
//     so the state a running store holds is exactly what a restart rebuilds. It is lenient about
//     order (garbage collection copies old records forward past newer ones); CheckRecovered
//     verifies the result.
//   - PlanGroupWrite validates a requested GroupWrite against the state before anything is
//     written, with the same error codes MemoryLog gives for the same mistakes.
//
// Each part remembers the segment seq of the record that last set it, which tells garbage
// collection which segments the group still needs. Not thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "common/status.h"
#include "raft/core/types.h"
#include "raft/storage/entry_index.h"
#include "raft/storage/storage_types.h"
#include "raft/storage/wal_record.h"
#include "raft/storage/write_batch.h"

namespace curve::raft {

struct GroupState {
  HardState hard_state;
  uint64_t hard_state_seq = 0;  // 0: never written
  SnapshotRef snapshot;
  uint64_t snapshot_seq = 0;
  EntryId compacted;  // the log starts after this entry
  uint64_t compacted_seq = 0;
  EntryIndex entries;  // (compacted.index, LastIndex()]

  Index FirstIndex() const { return compacted.index + 1; }
  Index LastIndex() const { return entries.empty() ? compacted.index : entries.last(); }
  // The term of `index` if it is the compaction point or a stored entry.
  std::optional<Term> TermOf(Index index) const;

  bool HasRecords() const;
  // The oldest segment holding a record the group still needs; UINT64_MAX when none.
  uint64_t MinSeq() const;
};

// Applies one record found at (seq, offset, size). kRemoveGroup is the caller's business.
// DataLoss when the record's entries are malformed.
Status ApplyRecord(GroupState* state, const wal::LogRecord& record, uint64_t seq, uint32_t offset,
                   uint32_t size);

// DataLoss naming the group when a recovered state is inconsistent: holes in the entries, entries
// not starting right after the compaction point, a snapshot outside the log, or a commit index
// past the last entry.
Status CheckRecovered(GroupId group, const GroupState& state);

// What validation decided beyond "valid": the compaction record to write, if any (compacting at
// or below the current point writes nothing).
struct WritePlan {
  std::optional<EntryId> compact;
};

// Validates `write` against `state`:
//   - removal together with other operations: InvalidArgument;
//   - installing a snapshot older than the current one: FailedPrecondition;
//   - saving a snapshot outside [snapshot index, last index]: OutOfRange; with a term other
//     than that entry's: InvalidArgument;
//   - entries not contiguous: InvalidArgument; starting at or below the compaction point:
//     OutOfRange; rewriting entries the snapshot covers, leaving a gap after the last index, or
//     rewriting committed entries (unless a snapshot is installed first): InvalidArgument;
//   - compacting beyond the snapshot: FailedPrecondition; beyond the last index: OutOfRange;
//   - a result whose snapshot or commit index lies past the last entry (truncating what a
//     snapshot covers or what is committed): InvalidArgument.
Result<WritePlan> PlanGroupWrite(const GroupState& state, const GroupWrite& write);

}  // namespace curve::raft
