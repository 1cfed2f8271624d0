#pragma once

// SnapshotWorker: carries one snapshot record to its end, from the step it stands at (so a new
// leader resumes a task its predecessor left half done):
//
//   pending:   MDS CreateSnapshot -> wait until READY -> every allocated chunk's snapshot copy
//              (ReadChunkSnapshot) that exists and is not all zeros stored as
//              <prefix>/<uuid>/chunks/<index> -> the metadata object -> DeleteChunkSnapshot on
//              every allocated chunk -> MDS DeleteSnapshot -> done (status 0, progress 100).
//              A failure ends the MDS snapshot (best effort) and records status 5 with the
//              message.
//   canceling: ends the MDS snapshot, deletes the objects stored so far and the record.
//   deleting:  deletes the objects and the record (errorDeleting when that fails).
//
// The record is re-read at every chunk: a cancel written meanwhile stops the copy. Run returns
// ABORTED without touching the record when `stop` turns true (this replica lost the lead).

#include <atomic>
#include <chrono>
#include <string>

#include "common/result.h"
#include "services/snapshotclone/records.h"

namespace curve::s3 {
class ObjectStore;
}  // namespace curve::s3

namespace curve::snapshotclone {

class TaskStore;
class VolumeSnapshotSource;

struct WorkerOptions {
  std::string object_prefix = "snapshots";  // S3 key prefix
  std::chrono::milliseconds ready_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds ready_poll{std::chrono::milliseconds(200)};
};

class SnapshotWorker {
 public:
  SnapshotWorker(TaskStore& store, VolumeSnapshotSource& source, s3::ObjectStore& objects,
                 WorkerOptions options);

  // Runs the snapshot `uuid` until it is done, failed, canceled or deleted. OK also when the
  // record does not exist.
  Status Run(const std::string& uuid, const std::atomic<bool>& stop);

 private:
  Status Create(SnapshotRecord record, const std::atomic<bool>& stop);
  Status Copy(SnapshotRecord& record, const std::atomic<bool>& stop);
  Status WriteMeta(const SnapshotRecord& record);
  Status Cancel(const SnapshotRecord& record);
  Status Remove(const SnapshotRecord& record);
  Status DeleteObjects(const std::string& uuid);
  // Writes `record`'s progress fields unless the record left the pending state; ABORTED then.
  Result<SnapshotRecord> Advance(const SnapshotRecord& record);

  TaskStore& store_;
  VolumeSnapshotSource& source_;
  s3::ObjectStore& objects_;
  const WorkerOptions options_;
};

}  // namespace curve::snapshotclone
