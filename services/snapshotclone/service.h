#pragma once

// SnapshotCloneService: answers one API request (see request.h) against the task store. Every
// replica answers; the work itself is done by the leader's workers (task_runner.h), which the
// service pokes after a change. Answers are upstream's JSON: Code (a string), Message,
// RequestId and the action's fields. Thread-safe.
//
// Decisions where upstream leaves room:
// - CreateSnapshot takes the MDS snapshot at once; the snapshot holds the volume as of the
//   moment its writer switches to the new sequence (the MDS snapshot turns READY). A second
//   CreateSnapshot of a volume while one is in progress is accepted and queued: its MDS snapshot is
//   taken when the earlier one ends (one per volume).
// - DeleteSnapshot of a pending snapshot cancels it (then deletes it); of a done or failed one
//   deletes its objects and record (asynchronously: status 2 until gone). A snapshot that an
//   unfinished clone or recover reads is refused (-16).
// - Lazy=true is refused with -21 (not supported): clones are eager.

#include <functional>
#include <string>

#include "common/result.h"
#include "services/snapshotclone/request.h"

namespace curve::snapshotclone {

class TaskStore;
class VolumeSnapshotSource;

struct Answer {
  int http_status = 200;
  std::string body;  // JSON
};

class SnapshotCloneService {
 public:
  // `poke` wakes the leader's scheduler when this replica leads (may be empty).
  SnapshotCloneService(TaskStore& store, VolumeSnapshotSource& source, std::function<void()> poke);

  // Validates and runs one request.
  Answer Handle(const Query& query);

  // An action's outcome before it is rendered (defined in service.cc).
  struct Reply;

 private:
  Reply Dispatch(const Request& request);
  Reply CreateSnapshot(const Request& request);
  // An unfinished snapshot or clone-from-volume task of the volume exists.
  Result<bool> VolumeBusy(const std::string& file);
  Reply DeleteSnapshot(const Request& request, bool cancel_only);
  Reply GetSnapshots(const Request& request);
  Reply Clone(const Request& request);
  Reply Flatten(const Request& request);
  Reply GetCloneTasks(const Request& request);
  Reply CleanCloneTask(const Request& request);
  Reply GetCloneRefStatus(const Request& request);

  TaskStore& store_;
  VolumeSnapshotSource& source_;
  std::function<void()> poke_;
};

}  // namespace curve::snapshotclone
