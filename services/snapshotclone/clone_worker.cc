#include "services/snapshotclone/clone_worker.h"

#include <algorithm>

#include "common/logging.h"
#include "common/s3/object_store.h"
#include "services/snapshotclone/snapshot_ops.h"
#include "services/snapshotclone/task_store.h"
#include "services/snapshotclone/volume_snapshot_source.h"

namespace curve::snapshotclone {
namespace {

VolumeShape ShapeOf(const CloneRecord& r) { return {r.size, r.chunk_size, r.segment_size}; }

const char* OpName(const CloneRecord& r) {
  return r.type == CloneType::kRecover ? "Recover" : "Clone";
}

}  // namespace

CloneWorker::CloneWorker(TaskStore& store, VolumeSnapshotSource& source, s3::ObjectStore& objects,
                         WorkerOptions options)
    : store_(store), source_(source), objects_(objects), options_(std::move(options)) {}

Result<CloneRecord> CloneWorker::Advance(const CloneRecord& record) {
  return store_.UpdateClone(record.uuid, [&](CloneRecord* current) {
    if (!Unfinished(*current)) {
      return AbortedError("clone task " + record.uuid + " is no longer running");
    }
    *current = record;
    return Status::Ok();
  });
}

Status CloneWorker::Run(const std::string& uuid, const std::atomic<bool>& stop) {
  auto logger = log::Get("snapshotclone");
  CURVE_ASSIGN_OR_RETURN(auto found, store_.GetClone(uuid));
  if (!found.has_value() || !Unfinished(*found)) return Status::Ok();
  CloneRecord record = *found;
  if (record.status == CloneStatus::kCleaning) return Status::Ok();  // the HTTP handler's job
  Status status = Steps(record, stop);
  if (status.ok() || status.code() == StatusCode::kAborted) return status;
  logger->error("op={} uuid={} source={} destination={} err=\"{}\"", OpName(record), record.uuid,
                record.source, record.destination, status.ToString());
  if (!record.source_is_snapshot && record.seq != 0) {
    Status ended = EndMdsSnapshot(source_, record.user, record.source, ShapeOf(record), record.seq);
    if (!ended.ok() && ended.code() != StatusCode::kNotFound) {
      logger->warn("op=EndSnapshot uuid={} seq={} err=\"{}\"", record.uuid, record.seq,
                   ended.ToString());
    }
  }
  store_
      .UpdateClone(uuid,
                   [&](CloneRecord* current) {
                     current->status = CloneStatus::kError;
                     current->message = status.ToString();
                     return Status::Ok();
                   })
      .status()
      .IgnoreError();
  return status;
}

Status CloneWorker::Prepare(CloneRecord& record) {
  if (record.source_is_snapshot) {
    CURVE_ASSIGN_OR_RETURN(auto snapshot, store_.GetSnapshot(record.source));
    if (!snapshot.has_value() || snapshot->status != SnapshotStatus::kDone) {
      return FailedPreconditionError("snapshot " + record.source + " is not a finished snapshot");
    }
    record.size = snapshot->file_length;
    record.chunk_size = snapshot->chunk_size;
    record.segment_size = snapshot->segment_size;
    if (record.poolset.empty()) record.poolset = snapshot->poolset;
  } else {
    if (record.seq == 0) {
      CURVE_ASSIGN_OR_RETURN(MdsSnapshot snapshot,
                             TakeMdsSnapshot(source_, record.user, record.source));
      CURVE_ASSIGN_OR_RETURN(VolumeDescription volume,
                             source_.StatVolume(record.user, record.source));
      record.seq = snapshot.sequence;
      if (record.poolset.empty()) record.poolset = volume.poolset;
      record.size = snapshot.size != 0 ? snapshot.size : volume.size;
      record.chunk_size = snapshot.chunk_size != 0 ? snapshot.chunk_size : volume.chunk_size;
      record.segment_size =
          snapshot.segment_size != 0 ? snapshot.segment_size : volume.segment_size;
      CURVE_ASSIGN_OR_RETURN(record, Advance(record));
    }
  }
  if (record.type == CloneType::kClone) {
    Status created =
        source_.CreateVolume(record.user, record.destination, record.size, record.poolset);
    // Already there: created by this task before a restart (the request checked it was free).
    if (!created.ok() && created.code() != StatusCode::kAlreadyExists) return created;
  } else {
    CURVE_ASSIGN_OR_RETURN(VolumeDescription destination,
                           source_.StatVolume(record.user, record.destination));
    if (destination.chunk_size != record.chunk_size || destination.size < record.size) {
      return FailedPreconditionError(
          "volume " + record.destination + " (size " + std::to_string(destination.size) +
          ", chunk size " + std::to_string(destination.chunk_size) +
          ") cannot take the snapshot (size " + std::to_string(record.size) + ", chunk size " +
          std::to_string(record.chunk_size) + ")");
    }
  }
  return Status::Ok();
}

Status CloneWorker::Steps(CloneRecord& record, const std::atomic<bool>& stop) {
  auto logger = log::Get("snapshotclone");
  if (record.step == Step::kCreate) {
    CURVE_RETURN_IF_ERROR(Prepare(record));
    record.step = record.source_is_snapshot ? Step::kCopy : Step::kWait;
    record.progress = 5;
    CURVE_ASSIGN_OR_RETURN(record, Advance(record));
    logger->info("op={} uuid={} source={} destination={} size={}", OpName(record), record.uuid,
                 record.source, record.destination, record.size);
  }
  if (record.step == Step::kWait) {
    auto interrupted = [&]() -> Status {
      return stop.load() ? AbortedError("stopping") : Status::Ok();
    };
    CURVE_RETURN_IF_ERROR(WaitSnapshotReady(source_, record.user, record.source, record.seq,
                                            options_.ready_timeout, options_.ready_poll,
                                            interrupted, *logger)
                              .status());
    record.step = Step::kCopy;
    CURVE_ASSIGN_OR_RETURN(record, Advance(record));
  }
  if (record.step == Step::kCopy) {
    CURVE_RETURN_IF_ERROR(record.source_is_snapshot ? CopyFromSnapshot(record, stop)
                                                    : CopyFromVolume(record, stop));
    record.step = record.source_is_snapshot ? Step::kFinished : Step::kEnd;
    record.progress = 95;
    CURVE_ASSIGN_OR_RETURN(record, Advance(record));
  }
  if (record.step == Step::kEnd) {
    CURVE_RETURN_IF_ERROR(
        EndMdsSnapshot(source_, record.user, record.source, ShapeOf(record), record.seq));
    record.step = Step::kFinished;
    CURVE_ASSIGN_OR_RETURN(record, Advance(record));
  }
  record.status = CloneStatus::kDone;
  record.progress = 100;
  CURVE_ASSIGN_OR_RETURN(record, Advance(record));
  logger->info("op={} uuid={} destination={} progress=100% status=done", OpName(record),
               record.uuid, record.destination);
  return Status::Ok();
}

Status CloneWorker::CopyFromSnapshot(CloneRecord& record, const std::atomic<bool>& stop) {
  auto logger = log::Get("snapshotclone");
  CURVE_ASSIGN_OR_RETURN(std::string meta_text,
                         objects_.Get(MetaObjectKey(options_.object_prefix, record.source)));
  CURVE_ASSIGN_OR_RETURN(SnapshotMeta meta, ParseSnapshotMeta(meta_text));
  std::set<uint64_t> indexes = meta.chunks;
  std::set<uint64_t> zero;
  if (record.type == CloneType::kRecover) {
    CURVE_ASSIGN_OR_RETURN(VolumeDescription destination,
                           source_.StatVolume(record.user, record.destination));
    VolumeShape shape{destination.size, destination.chunk_size, destination.segment_size};
    CURVE_ASSIGN_OR_RETURN(auto allocated,
                           AllocatedChunks(source_, record.user, record.destination, shape));
    for (uint64_t index : allocated) {
      if (!meta.chunks.count(index)) zero.insert(index);
    }
    indexes.insert(zero.begin(), zero.end());
  }
  CURVE_ASSIGN_OR_RETURN(auto writer, source_.OpenForWrite(record.user, record.destination));
  ProgressLog progress(*logger, OpName(record), record.uuid, record.progress);
  const std::string zeros(record.chunk_size, '\0');
  uint64_t done = 0;
  for (uint64_t index : indexes) {
    ++done;
    if (index < record.next_chunk) continue;
    if (stop.load()) return AbortedError("stopping");
    const uint64_t offset = index * record.chunk_size;
    if (zero.count(index)) {
      CURVE_RETURN_IF_ERROR(writer->Write(offset, zeros));
    } else {
      CURVE_ASSIGN_OR_RETURN(std::string data, objects_.Get(ChunkObjectKey(options_.object_prefix,
                                                                           record.source, index)));
      if (data.size() > record.chunk_size || data.size() % 4096 != 0) {
        return DataLossError("chunk object " + std::to_string(index) + " of snapshot " +
                             record.source + " has " + std::to_string(data.size()) + " bytes");
      }
      CURVE_RETURN_IF_ERROR(writer->Write(offset, data));
    }
    record.next_chunk = index + 1;
    record.progress = CopyProgress(done, indexes.size());
    CURVE_ASSIGN_OR_RETURN(record, Advance(record));
    progress.Update(record.progress);
  }
  logger->info("op={} uuid={} chunks_written={} chunks_zeroed={}", OpName(record), record.uuid,
               indexes.size() - zero.size(), zero.size());
  return Status::Ok();
}

Status CloneWorker::CopyFromVolume(CloneRecord& record, const std::atomic<bool>& stop) {
  auto logger = log::Get("snapshotclone");
  CURVE_ASSIGN_OR_RETURN(auto writer, source_.OpenForWrite(record.user, record.destination));
  const VolumeShape shape = ShapeOf(record);
  const uint64_t total = shape.chunk_count();
  ProgressLog progress(*logger, OpName(record), record.uuid, record.progress);
  return ForEachAllocatedChunk(
      source_, record.user, record.source, shape, record.next_chunk,
      [&](uint64_t index, const ChunkLocation& chunk) -> Status {
        if (stop.load()) return AbortedError("stopping");
        CURVE_ASSIGN_OR_RETURN(ChunkRead read,
                               ReadSnapshotChunk(source_, chunk, record.seq, shape.chunk_size));
        if (read.exists && !AllZero(read.data)) {
          CURVE_RETURN_IF_ERROR(writer->Write(index * shape.chunk_size, read.data));
        }
        record.next_chunk = index + 1;
        record.progress = CopyProgress(index + 1, total);
        CURVE_ASSIGN_OR_RETURN(record, Advance(record));
        progress.Update(record.progress);
        return Status::Ok();
      });
}

}  // namespace curve::snapshotclone
