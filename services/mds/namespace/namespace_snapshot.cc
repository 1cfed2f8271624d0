// NamespaceManager: copy-on-write snapshots (the volume sequence and the snapshot record).
#include "common/logging.h"
#include "services/mds/namespace/namespace_manager.h"

namespace curve::mds {

Result<SnapshotInfo> NamespaceManager::CreateSnapshot(const std::string& user,
                                                      const std::string& path) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    CURVE_ASSIGN_OR_RETURN(auto record, ResolveVolume(user, path, true));
    const FileInfo& file = record.info;
    CURVE_ASSIGN_OR_RETURN(auto existing, store_.GetSnapshot(file.id()));
    if (existing.has_value()) {
      return FailedPreconditionError("volume " + path + " has a snapshot at sequence " +
                                     std::to_string(existing->sequence()) +
                                     " already (one at a time)");
    }
    SnapshotInfo snapshot;
    snapshot.set_file_id(file.id());
    snapshot.set_sequence(file.sequence());
    snapshot.set_size(file.size());
    snapshot.set_ctime_ms(clock_.UnixMillis());
    snapshot.set_segment_size(file.segment_size());
    snapshot.set_chunk_size(file.chunk_size());
    snapshot.set_path(path);
    FileInfo raised = file;
    raised.clear_path();
    raised.set_sequence(file.sequence() + 1);
    Status status = store_.CreateSnapshot(raised, record.revision, snapshot);
    // ALREADY_EXISTS: a concurrent create won; the next round names its snapshot.
    if (status.code() == StatusCode::kAborted || status.code() == StatusCode::kAlreadyExists) {
      continue;
    }
    CURVE_RETURN_IF_ERROR(status);
    log::Get("mds")->info("op=CreateSnapshot volume={} file_id={} sequence={} new_sequence={}",
                          path, file.id(), snapshot.sequence(), raised.sequence());
    snapshot.set_state(SnapshotInfo::PENDING);
    return snapshot;
  }
  return AbortedError(path + " kept changing concurrently; retry");
}

Result<std::vector<SnapshotInfo>> NamespaceManager::ListSnapshots(const std::string& user,
                                                                  const std::string& path) {
  CURVE_ASSIGN_OR_RETURN(auto record, ResolveVolume(user, path, false));
  CURVE_ASSIGN_OR_RETURN(auto snapshot, store_.GetSnapshot(record.info.id()));
  std::vector<SnapshotInfo> out;
  if (!snapshot.has_value()) return out;
  CURVE_ASSIGN_OR_RETURN(auto session, store_.GetSession(record.info.id()));
  bool frozen = !session.has_value() || session->sequence() > snapshot->sequence();
  snapshot->set_state(frozen ? SnapshotInfo::READY : SnapshotInfo::PENDING);
  snapshot->set_path(path);
  out.push_back(std::move(*snapshot));
  return out;
}

Status NamespaceManager::DeleteSnapshot(const std::string& user, const std::string& path,
                                        uint64_t sequence) {
  CURVE_ASSIGN_OR_RETURN(auto record, ResolveVolume(user, path, true));
  Status status = store_.RemoveSnapshot(record.info.id(), sequence);
  if (status.code() == StatusCode::kNotFound) {
    return NotFoundError("volume " + path + " has no snapshot at sequence " +
                         std::to_string(sequence));
  }
  CURVE_RETURN_IF_ERROR(status);
  log::Get("mds")->info("op=DeleteSnapshot volume={} file_id={} sequence={}", path,
                        record.info.id(), sequence);
  return Status::Ok();
}

}  // namespace curve::mds
