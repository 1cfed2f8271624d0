#pragma once

// GroupLog: one raft group's view of the shared write-ahead log, implementing LogReader for the
// group's RaftCore. Obtained from LogStore::Group; changed only through LogStore::Write.
//
// Reads: hard state, indexes, terms and snapshot metadata come from memory; entries come from a
// cache of the group's newest entries (EntryCache) or else are read back from their segment
// with pread and verified against the record's checksum. LatestSnapshot reads the payload file.
//
// Error contract (LogReader's, as MemoryLog implements it):
//   TermAt:   OutOfRange below FirstIndex() - 1; InvalidArgument past LastIndex().
//   Entries:  OutOfRange when lo < FirstIndex(); InvalidArgument when lo > hi or
//             hi > LastIndex() + 1; DataLoss when a stored record is damaged.
//   LatestSnapshot: DataLoss when the payload file is missing or damaged; never Unavailable.
//
// Thread-safety: every public method may be called from any thread; the store's writer thread
// updates the state under the same lock, so a reader sees each batch entirely or not at all, and
// only once it is durable.

#include <cstdint>
#include <mutex>
#include <vector>

#include "raft/core/log_reader.h"
#include "raft/storage/entry_cache.h"
#include "raft/storage/group_state.h"
#include "raft/storage/segment_set.h"
#include "raft/storage/snapshot_files.h"
#include "raft/storage/wal_record.h"

namespace curve::raft {

class GroupLog final : public LogReader {
 public:
  GroupLog(GroupId id, GroupState state, const SegmentSet* segments, const SnapshotFiles* snapshots,
           uint64_t cache_bytes);

  GroupId id() const { return id_; }

  // LogReader.
  HardState InitialHardState() const override;
  Index FirstIndex() const override;
  Index LastIndex() const override;
  Result<Term> TermAt(Index index) const override;
  Result<std::vector<Entry>> Entries(Index lo, Index hi, uint64_t max_bytes) const override;
  SnapshotMeta LatestSnapshotMeta() const override;
  Result<Snapshot> LatestSnapshot() const override;

  // Whether the log holds anything for this group.
  bool HasRecords() const;
  // Entries served from the cache and from disk so far.
  uint64_t cache_hits() const;
  uint64_t disk_reads() const;

  // ---- For LogStore's writer thread only. ----

  // The state, read without the lock: only the writer thread changes it.
  const GroupState& state() const { return state_; }

  struct LocatedRecord {
    wal::LogRecord record;
    uint64_t seq = 0;
    uint32_t offset = 0;
    uint32_t size = 0;
  };
  // Applies records just made durable, and caches `appended` (the entries they append, if the
  // write came from a batch; empty for records copied by garbage collection).
  Status Apply(const std::vector<LocatedRecord>& records, std::vector<Entry> appended);
  // Forgets everything (the group was removed).
  void Reset();

 private:
  Result<std::vector<Entry>> EntriesLocked(Index lo, Index hi, uint64_t max_bytes) const;

  const GroupId id_;
  const SegmentSet* const segments_;
  const SnapshotFiles* const snapshots_;

  mutable std::mutex mu_;
  GroupState state_;  // guarded by mu_ for writes; the writer thread reads it freely
  EntryCache cache_;
  mutable uint64_t cache_hits_ = 0;
  mutable uint64_t disk_reads_ = 0;
};

}  // namespace curve::raft
