#pragma once

// The core's read-only view of stable storage: the entries, hard state and snapshot that the
// driver has persisted. The core never writes through this interface; the driver persists what a
// Ready hands it and then calls RaftCore::Advance. MemoryLog implements it for tests; the
// segmented disk log implements it in production.
//
// Thread-safety: the core calls these methods only from the thread that drives it. An
// implementation must not change its contents concurrently with such a call (the driver
// persists between calls into the core, or the implementation synchronises internally).
//
// Error contract, relied upon by the core:
//   - OutOfRange: the requested index is at or below the compaction point (use the snapshot).
//   - Unavailable: (Snapshot only) a snapshot is being produced; the core retries later.
// Any other error is treated as fatal storage corruption: the core aborts the process.

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "raft/core/types.h"

namespace curve::raft {

class LogReader {
 public:
  virtual ~LogReader() = default;

  // The hard state last persisted; zero values for a new node.
  virtual HardState InitialHardState() const = 0;

  // Index of the first entry still available. Entries before it are covered by the snapshot;
  // FirstIndex() - 1 is the compaction point, whose term Term() must still answer.
  virtual Index FirstIndex() const = 0;

  // Index of the last persisted entry, or FirstIndex() - 1 when the log holds no entries.
  virtual Index LastIndex() const = 0;

  // Term of entry `index` for index in [FirstIndex() - 1, LastIndex()]. OutOfRange below that
  // range. Callers never ask beyond LastIndex().
  virtual Result<Term> TermAt(Index index) const = 0;

  // Entries [lo, hi) with lo >= FirstIndex() and hi <= LastIndex() + 1, stopping early once the
  // total ByteSize() would exceed max_bytes, but always returning at least one entry when
  // lo < hi. OutOfRange when lo < FirstIndex().
  virtual Result<std::vector<Entry>> Entries(Index lo, Index hi, uint64_t max_bytes) const = 0;

  // Metadata of the latest snapshot: index 0 and the bootstrap configuration for a group that
  // has never snapshotted, or an empty configuration for a node that has yet to join one.
  // Storage compacts only entries a snapshot covers: index >= FirstIndex() - 1.
  virtual SnapshotMeta LatestSnapshotMeta() const = 0;

  // The latest snapshot, metadata and payload, to send to a lagging follower. Unavailable when
  // it is not ready yet.
  virtual Result<Snapshot> LatestSnapshot() const = 0;
};

}  // namespace curve::raft
