#include "services/snapshotclone/snapshot_worker.h"

#include "common/logging.h"
#include "common/s3/object_store.h"
#include "services/snapshotclone/snapshot_ops.h"
#include "services/snapshotclone/task_store.h"
#include "services/snapshotclone/volume_snapshot_source.h"

namespace curve::snapshotclone {
namespace {

constexpr int kMaxRounds = 16;

VolumeShape ShapeOf(const SnapshotRecord& r) {
  return {r.file_length, r.chunk_size, r.segment_size};
}

bool IgnorableEndError(const Status& s) { return s.ok() || s.code() == StatusCode::kNotFound; }

}  // namespace

SnapshotWorker::SnapshotWorker(TaskStore& store, VolumeSnapshotSource& source,
                               s3::ObjectStore& objects, WorkerOptions options)
    : store_(store), source_(source), objects_(objects), options_(std::move(options)) {}

Status SnapshotWorker::Run(const std::string& uuid, const std::atomic<bool>& stop) {
  for (int round = 0; round < kMaxRounds; ++round) {
    if (stop.load()) return AbortedError("stopping");
    CURVE_ASSIGN_OR_RETURN(auto record, store_.GetSnapshot(uuid));
    if (!record.has_value()) return Status::Ok();
    switch (record->status) {
      case SnapshotStatus::kPending: {
        Status status = Create(*record, stop);
        // ABORTED without a stop: the record left the pending state (canceled); look again.
        if (status.code() == StatusCode::kAborted && !stop.load()) continue;
        return status;
      }
      case SnapshotStatus::kCanceling:
        return Cancel(*record);
      case SnapshotStatus::kDeleting:
        return Remove(*record);
      default:
        return Status::Ok();
    }
  }
  return AbortedError("snapshot " + uuid + " kept changing state");
}

Result<SnapshotRecord> SnapshotWorker::Advance(const SnapshotRecord& record) {
  return store_.UpdateSnapshot(record.uuid, [&](SnapshotRecord* current) {
    if (current->status != SnapshotStatus::kPending) {
      return AbortedError("snapshot " + record.uuid + " is no longer pending (status " +
                          std::to_string(static_cast<int>(current->status)) + ")");
    }
    *current = record;
    return Status::Ok();
  });
}

Status SnapshotWorker::Create(SnapshotRecord record, const std::atomic<bool>& stop) {
  auto logger = log::Get("snapshotclone");
  auto steps = [&]() -> Status {
    if (record.step == Step::kCreate) {
      CURVE_ASSIGN_OR_RETURN(VolumeDescription volume,
                             source_.StatVolume(record.user, record.file));
      CURVE_ASSIGN_OR_RETURN(MdsSnapshot snapshot,
                             TakeMdsSnapshot(source_, record.user, record.file));
      record.seq = snapshot.sequence;
      record.poolset = volume.poolset;
      record.file_length = snapshot.size != 0 ? snapshot.size : volume.size;
      record.chunk_size = snapshot.chunk_size != 0 ? snapshot.chunk_size : volume.chunk_size;
      record.segment_size =
          snapshot.segment_size != 0 ? snapshot.segment_size : volume.segment_size;
      record.step = Step::kWait;
      record.progress = 1;
      CURVE_ASSIGN_OR_RETURN(record, Advance(record));
      logger->info("op=CreateSnapshot uuid={} file={} seq={} size={}", record.uuid, record.file,
                   record.seq, record.file_length);
    }
    if (record.step == Step::kWait) {
      auto interrupted = [&]() -> Status {
        if (stop.load()) return AbortedError("stopping");
        CURVE_ASSIGN_OR_RETURN(auto current, store_.GetSnapshot(record.uuid));
        if (!current.has_value() || current->status != SnapshotStatus::kPending) {
          return AbortedError("snapshot " + record.uuid + " is no longer pending");
        }
        return Status::Ok();
      };
      CURVE_RETURN_IF_ERROR(WaitSnapshotReady(source_, record.user, record.file, record.seq,
                                              options_.ready_timeout, options_.ready_poll,
                                              interrupted, *logger)
                                .status());
      record.step = Step::kCopy;
      record.progress = 5;
      CURVE_ASSIGN_OR_RETURN(record, Advance(record));
    }
    if (record.step == Step::kCopy) {
      CURVE_RETURN_IF_ERROR(Copy(record, stop));
      record.step = Step::kMeta;
      CURVE_ASSIGN_OR_RETURN(record, Advance(record));
    }
    if (record.step == Step::kMeta) {
      CURVE_RETURN_IF_ERROR(WriteMeta(record));
      record.step = Step::kEnd;
      record.progress = 97;
      CURVE_ASSIGN_OR_RETURN(record, Advance(record));
    }
    if (record.step == Step::kEnd) {
      CURVE_RETURN_IF_ERROR(
          EndMdsSnapshot(source_, record.user, record.file, ShapeOf(record), record.seq));
      record.step = Step::kFinished;
      record.progress = 100;
      record.status = SnapshotStatus::kDone;
      CURVE_ASSIGN_OR_RETURN(record, Advance(record));
      logger->info("op=CreateSnapshot uuid={} file={} seq={} progress=100% status=done",
                   record.uuid, record.file, record.seq);
    }
    return Status::Ok();
  };
  Status status = steps();
  if (status.ok() || status.code() == StatusCode::kAborted) return status;
  logger->error("op=CreateSnapshot uuid={} file={} seq={} err=\"{}\"", record.uuid, record.file,
                record.seq, status.ToString());
  if (record.seq != 0) {
    Status ended = EndMdsSnapshot(source_, record.user, record.file, ShapeOf(record), record.seq);
    if (!IgnorableEndError(ended)) {
      logger->warn("op=EndSnapshot uuid={} seq={} err=\"{}\"", record.uuid, record.seq,
                   ended.ToString());
    }
  }
  auto marked = store_.UpdateSnapshot(record.uuid, [&](SnapshotRecord* current) {
    if (current->status != SnapshotStatus::kPending) return AbortedError("not pending");
    current->status = SnapshotStatus::kError;
    current->message = status.ToString();
    return Status::Ok();
  });
  if (!marked.ok() && marked.status().code() == StatusCode::kAborted) return marked.status();
  return status;
}

Status SnapshotWorker::Copy(SnapshotRecord& record, const std::atomic<bool>& stop) {
  auto logger = log::Get("snapshotclone");
  const VolumeShape shape = ShapeOf(record);
  const uint64_t total = shape.chunk_count();
  ProgressLog progress(*logger, "CreateSnapshot", record.uuid, record.progress);
  uint64_t stored = 0;
  CURVE_RETURN_IF_ERROR(ForEachAllocatedChunk(
      source_, record.user, record.file, shape, record.next_chunk,
      [&](uint64_t index, const ChunkLocation& chunk) -> Status {
        if (stop.load()) return AbortedError("stopping");
        CURVE_ASSIGN_OR_RETURN(ChunkRead read,
                               ReadSnapshotChunk(source_, chunk, record.seq, shape.chunk_size));
        if (read.exists && !AllZero(read.data)) {
          CURVE_RETURN_IF_ERROR(
              objects_.Put(ChunkObjectKey(options_.object_prefix, record.uuid, index), read.data));
          ++stored;
        }
        record.next_chunk = index + 1;
        record.progress = CopyProgress(index + 1, total);
        CURVE_ASSIGN_OR_RETURN(record, Advance(record));
        progress.Update(record.progress);
        return Status::Ok();
      }));
  record.next_chunk = total;
  record.progress = CopyProgress(total, total);
  logger->info("op=CopySnapshot uuid={} file={} chunks_stored={}", record.uuid, record.file,
               stored);
  return Status::Ok();
}

Status SnapshotWorker::WriteMeta(const SnapshotRecord& record) {
  SnapshotMeta meta;
  meta.uuid = record.uuid;
  meta.user = record.user;
  meta.file = record.file;
  meta.sequence = record.seq;
  meta.shape = ShapeOf(record);
  const std::string prefix = ChunkObjectPrefix(options_.object_prefix, record.uuid);
  CURVE_ASSIGN_OR_RETURN(auto keys, objects_.List(prefix));
  for (const auto& key : keys) {
    CURVE_ASSIGN_OR_RETURN(uint64_t index, ChunkIndexOfKey(prefix, key));
    meta.chunks.insert(index);
  }
  return objects_.Put(MetaObjectKey(options_.object_prefix, record.uuid), SnapshotMetaToJson(meta));
}

Status SnapshotWorker::DeleteObjects(const std::string& uuid) {
  CURVE_ASSIGN_OR_RETURN(auto keys,
                         objects_.List(SnapshotObjectPrefix(options_.object_prefix, uuid)));
  for (const auto& key : keys) CURVE_RETURN_IF_ERROR(objects_.Delete(key));
  return Status::Ok();
}

Status SnapshotWorker::Cancel(const SnapshotRecord& record) {
  auto logger = log::Get("snapshotclone");
  if (record.seq != 0 && record.step != Step::kFinished) {
    Status ended = EndMdsSnapshot(source_, record.user, record.file, ShapeOf(record), record.seq);
    if (!IgnorableEndError(ended)) return ended.WithContext("cancel snapshot " + record.uuid);
  }
  CURVE_RETURN_IF_ERROR(DeleteObjects(record.uuid));
  CURVE_RETURN_IF_ERROR(store_.DeleteSnapshot(record.uuid));
  logger->info("op=CancelSnapshot uuid={} file={} seq={} status=canceled", record.uuid, record.file,
               record.seq);
  return Status::Ok();
}

Status SnapshotWorker::Remove(const SnapshotRecord& record) {
  auto logger = log::Get("snapshotclone");
  Status status;
  if (record.seq != 0 && record.step != Step::kFinished) {
    status = EndMdsSnapshot(source_, record.user, record.file, ShapeOf(record), record.seq);
    if (IgnorableEndError(status)) status = Status::Ok();
  }
  if (status.ok()) status = DeleteObjects(record.uuid);
  if (status.ok()) status = store_.DeleteSnapshot(record.uuid);
  if (status.ok()) {
    logger->info("op=DeleteSnapshot uuid={} file={} status=deleted", record.uuid, record.file);
    return status;
  }
  logger->error("op=DeleteSnapshot uuid={} err=\"{}\"", record.uuid, status.ToString());
  store_
      .UpdateSnapshot(record.uuid,
                      [&](SnapshotRecord* current) {
                        current->status = SnapshotStatus::kErrorDeleting;
                        current->message = status.ToString();
                        return Status::Ok();
                      })
      .status()
      .IgnoreError();
  return status;
}

}  // namespace curve::snapshotclone
