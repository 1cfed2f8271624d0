#pragma once

// The persistent state of the snapshot/clone service: one record per snapshot and per clone or
// recover task, stored as JSON in etcd (see task_store.h). Status numbers are upstream Curve's,
// as the HTTP API reports them.

#include <cstdint>
#include <string>

#include "common/result.h"

namespace curve::snapshotclone {

enum class SnapshotStatus : int {
  kDone = 0,
  kPending = 1,
  kDeleting = 2,
  kErrorDeleting = 3,
  kCanceling = 4,
  kError = 5,
};

enum class CloneStatus : int {
  kDone = 0,
  kCloning = 1,
  kRecovering = 2,
  kCleaning = 3,
  kErrorCleaning = 4,
  kError = 5,
  kRetrying = 6,
  kMetaInstalled = 7,
};

enum class CloneType : int { kClone = 0, kRecover = 1 };

// Where a snapshot or clone worker stands; persisted so a new leader resumes where the last one
// stopped. Each step is idempotent.
enum class Step : int {
  kCreate = 0,  // take the MDS snapshot (or create the clone's destination)
  kWait = 1,    // wait until the MDS snapshot is ready
  kCopy = 2,    // copy chunks (from `next_chunk` on)
  kMeta = 3,    // write the snapshot's metadata object
  kEnd = 4,     // end the chunk snapshots and delete the MDS snapshot
  kFinished = 5,
};

struct SnapshotRecord {
  std::string uuid;
  std::string user;
  std::string file;
  std::string name;
  int64_t time_us = 0;  // creation, unix microseconds
  SnapshotStatus status = SnapshotStatus::kPending;
  int progress = 0;     // percent
  std::string message;  // why it failed
  Step step = Step::kCreate;
  uint64_t seq = 0;  // the MDS snapshot's sequence; 0 until taken
  uint64_t file_length = 0;
  uint64_t chunk_size = 0;
  uint64_t segment_size = 0;
  uint64_t next_chunk = 0;  // kCopy: every chunk index below this one is stored
  std::string poolset;      // the volume's, the default of clones made from the snapshot

  bool operator==(const SnapshotRecord&) const = default;
};

struct CloneRecord {
  std::string uuid;
  std::string user;
  std::string source;  // a snapshot UUID or a volume path
  std::string destination;
  std::string poolset;  // empty: the source's
  CloneType type = CloneType::kClone;
  bool source_is_snapshot = true;
  bool lazy = false;
  int64_t time_us = 0;
  CloneStatus status = CloneStatus::kCloning;
  int progress = 0;
  std::string message;
  Step step = Step::kCreate;
  uint64_t seq = 0;  // clones from a volume: the internal MDS snapshot of the source
  uint64_t size = 0;
  uint64_t chunk_size = 0;
  uint64_t segment_size = 0;
  uint64_t next_chunk = 0;

  bool operator==(const CloneRecord&) const = default;
};

// JSON round trip. Parsing fails with DATA_LOSS naming what was wrong.
std::string ToJson(const SnapshotRecord& record);
std::string ToJson(const CloneRecord& record);
Result<SnapshotRecord> ParseSnapshotRecord(const std::string& json);
Result<CloneRecord> ParseCloneRecord(const std::string& json);

// Unfinished: a worker still has to act on it.
bool Unfinished(const SnapshotRecord& record);
bool Unfinished(const CloneRecord& record);

// A random version-4 UUID ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx").
std::string NewUuid();
int64_t NowMicros();

}  // namespace curve::snapshotclone
