#pragma once

// CloneWorker: carries one clone or recover task to its end, from the step it stands at.
//
//   Clone from a snapshot (UUID, status done): creates the destination volume (the snapshot's
//   size; the task's poolset or the default) and writes every stored chunk object into it.
//   Clone from a volume (a path): takes an internal MDS snapshot of the source, creates the
//   destination, copies every allocated chunk's snapshot copy (ReadChunkSnapshot) into it, then
//   ends the internal snapshot (DeleteChunkSnapshot everywhere, MDS DeleteSnapshot). No S3.
//   Recover (a snapshot UUID onto an existing volume): writes the snapshot's chunks and zeroes
//   the destination's allocated chunks the snapshot does not have.
//
// Clones are eager: a finished clone has no tie to its source. Progress is persisted at every
// chunk. A failure records status 5 (error) with the message (a clone from a volume ends its
// internal snapshot first). Run returns ABORTED without touching the record when `stop` turns
// true.

#include <atomic>
#include <string>

#include "common/result.h"
#include "services/snapshotclone/records.h"
#include "services/snapshotclone/snapshot_worker.h"

namespace curve::snapshotclone {

class CloneWorker {
 public:
  CloneWorker(TaskStore& store, VolumeSnapshotSource& source, s3::ObjectStore& objects,
              WorkerOptions options);

  // OK also when the record does not exist or is finished.
  Status Run(const std::string& uuid, const std::atomic<bool>& stop);

 private:
  Status Steps(CloneRecord& record, const std::atomic<bool>& stop);
  Status Prepare(CloneRecord& record);
  Status CopyFromSnapshot(CloneRecord& record, const std::atomic<bool>& stop);
  Status CopyFromVolume(CloneRecord& record, const std::atomic<bool>& stop);
  Result<CloneRecord> Advance(const CloneRecord& record);

  TaskStore& store_;
  VolumeSnapshotSource& source_;
  s3::ObjectStore& objects_;
  const WorkerOptions options_;
};

}  // namespace curve::snapshotclone
