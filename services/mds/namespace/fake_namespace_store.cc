#include "services/mds/namespace/namespace_store.h"

namespace curve::mds {

Result<std::optional<FileRecord>> FakeNamespaceStore::GetFile(uint64_t parent_id,
                                                              std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = files_.find({parent_id, std::string(name)});
  if (it == files_.end()) return std::optional<FileRecord>();
  return std::optional<FileRecord>(it->second);
}

Result<std::vector<FileInfo>> FakeNamespaceStore::ListDir(uint64_t parent_id) {
  std::lock_guard lock(mu_);
  std::vector<FileInfo> out;
  for (const auto& [key, record] : files_) {
    if (key.first == parent_id) out.push_back(record.info);
  }
  return out;
}

Result<FileInfo> FakeNamespaceStore::CreateFile(FileInfo info) {
  std::lock_guard lock(mu_);
  auto key = std::make_pair(info.parent_id(), info.name());
  if (files_.count(key)) return AlreadyExistsError(info.name() + " already exists");
  info.set_id(next_file_id_++);
  files_[key] = {info, ++revision_};
  return info;
}

Status FakeNamespaceStore::UpdateFile(const FileInfo& info, int64_t revision) {
  std::lock_guard lock(mu_);
  auto it = files_.find({info.parent_id(), info.name()});
  if (it == files_.end() || it->second.revision != revision) return AbortedError("file changed");
  it->second = {info, ++revision_};
  return Status::Ok();
}

Status FakeNamespaceStore::RenameFile(const FileInfo& from, int64_t revision, const FileInfo& to) {
  std::lock_guard lock(mu_);
  auto it = files_.find({from.parent_id(), from.name()});
  if (it == files_.end() || it->second.revision != revision) return AbortedError("file changed");
  auto key = std::make_pair(to.parent_id(), to.name());
  if (files_.count(key)) return AlreadyExistsError(to.name() + " already exists");
  files_.erase(it);
  files_[key] = {to, ++revision_};
  return Status::Ok();
}

Status FakeNamespaceStore::RemoveFile(const FileInfo& file, int64_t revision,
                                      const FileInfo* recycled) {
  std::lock_guard lock(mu_);
  auto it = files_.find({file.parent_id(), file.name()});
  if (it == files_.end() || it->second.revision != revision) return AbortedError("file changed");
  files_.erase(it);
  if (recycled != nullptr) {
    recycled_[file.id()] = *recycled;
  } else if (file.type() != FILE_TYPE_DIRECTORY) {
    garbage_.insert(file.id());
  }
  return Status::Ok();
}

Result<std::vector<FileInfo>> FakeNamespaceStore::ListRecycled() {
  std::lock_guard lock(mu_);
  std::vector<FileInfo> out;
  for (const auto& [id, info] : recycled_) out.push_back(info);
  return out;
}

Result<std::optional<FileInfo>> FakeNamespaceStore::GetRecycled(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = recycled_.find(id);
  if (it == recycled_.end()) return std::optional<FileInfo>();
  return std::optional<FileInfo>(it->second);
}

Status FakeNamespaceStore::PurgeRecycled(uint64_t id) {
  std::lock_guard lock(mu_);
  if (recycled_.erase(id) == 0) {
    return NotFoundError("file " + std::to_string(id) + " is not in the recycle bin");
  }
  garbage_.insert(id);
  return Status::Ok();
}

Result<std::vector<uint64_t>> FakeNamespaceStore::ListGarbage() {
  std::lock_guard lock(mu_);
  return std::vector<uint64_t>(garbage_.begin(), garbage_.end());
}

Result<std::vector<SegmentInfo>> FakeNamespaceStore::ListSegments(uint64_t file_id) {
  std::lock_guard lock(mu_);
  std::vector<SegmentInfo> out;
  for (const auto& [key, segment] : segments_) {
    if (key.first == file_id) out.push_back(segment);
  }
  return out;
}

Status FakeNamespaceStore::RemoveSegment(uint64_t file_id, uint64_t offset) {
  std::lock_guard lock(mu_);
  segments_.erase({file_id, offset});
  return Status::Ok();
}

Status FakeNamespaceStore::RemoveGarbage(uint64_t file_id) {
  std::lock_guard lock(mu_);
  garbage_.erase(file_id);
  std::erase_if(segments_, [&](const auto& kv) { return kv.first.first == file_id; });
  return Status::Ok();
}

Status FakeNamespaceStore::RestoreRecycled(const FileInfo& to) {
  std::lock_guard lock(mu_);
  if (files_.count({to.parent_id(), to.name()})) {
    return AlreadyExistsError(to.name() + " already exists");
  }
  if (recycled_.erase(to.id()) == 0) {
    return NotFoundError("file_id " + std::to_string(to.id()) + " is not in the recycle bin");
  }
  files_[{to.parent_id(), to.name()}] = FileRecord{to, ++revision_};
  return Status::Ok();
}

Result<std::optional<SegmentInfo>> FakeNamespaceStore::GetSegment(uint64_t file_id,
                                                                  uint64_t offset) {
  std::lock_guard lock(mu_);
  auto it = segments_.find({file_id, offset});
  if (it == segments_.end()) return std::optional<SegmentInfo>();
  return std::optional<SegmentInfo>(it->second);
}

Result<SegmentInfo> FakeNamespaceStore::CreateSegment(const SegmentInfo& segment) {
  std::lock_guard lock(mu_);
  auto [it, inserted] =
      segments_.emplace(std::make_pair(segment.file_id(), segment.offset()), segment);
  return it->second;
}

Result<uint64_t> FakeNamespaceStore::AllocateChunkIds(uint32_t count) {
  std::lock_guard lock(mu_);
  uint64_t first = next_chunk_id_;
  next_chunk_id_ += count;
  return first;
}

Result<SessionInfo> FakeNamespaceStore::CreateSession(SessionInfo session,
                                                      std::chrono::seconds ttl) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session.file_id());
  if (it != sessions_.end()) {
    return FailedPreconditionError("already open by client " + it->second.client());
  }
  session.set_lease_id(next_lease_++);
  sessions_[session.file_id()] = session;
  return session;
}

Result<std::optional<SessionInfo>> FakeNamespaceStore::GetSession(uint64_t file_id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(file_id);
  if (it == sessions_.end()) return std::optional<SessionInfo>();
  return std::optional<SessionInfo>(it->second);
}

Status FakeNamespaceStore::RefreshSession(const SessionInfo& session) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session.file_id());
  if (it == sessions_.end() || it->second.session_id() != session.session_id()) {
    return NotFoundError("session " + session.session_id() + " is not open");
  }
  if (session.sequence() != 0) it->second.set_sequence(session.sequence());
  return Status::Ok();
}

Status FakeNamespaceStore::DeleteSession(const SessionInfo& session) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session.file_id());
  if (it == sessions_.end() || it->second.session_id() != session.session_id()) {
    return NotFoundError("session " + session.session_id() + " is not open");
  }
  sessions_.erase(it);
  return Status::Ok();
}

Status FakeNamespaceStore::CreateSnapshot(const FileInfo& raised, int64_t revision,
                                          const SnapshotInfo& snapshot) {
  std::lock_guard lock(mu_);
  auto it = files_.find({raised.parent_id(), raised.name()});
  if (it == files_.end() || it->second.revision != revision) return AbortedError("file changed");
  if (snapshots_.count(raised.id())) {
    return AlreadyExistsError("file " + std::to_string(raised.id()) + " has a snapshot");
  }
  it->second = {raised, ++revision_};
  snapshots_[raised.id()] = snapshot;
  return Status::Ok();
}

Result<std::optional<SnapshotInfo>> FakeNamespaceStore::GetSnapshot(uint64_t file_id) {
  std::lock_guard lock(mu_);
  auto it = snapshots_.find(file_id);
  if (it == snapshots_.end()) return std::optional<SnapshotInfo>();
  return std::optional<SnapshotInfo>(it->second);
}

Status FakeNamespaceStore::RemoveSnapshot(uint64_t file_id, uint64_t sequence) {
  std::lock_guard lock(mu_);
  auto it = snapshots_.find(file_id);
  if (it == snapshots_.end() || it->second.sequence() != sequence) {
    return NotFoundError("file " + std::to_string(file_id) + " has no snapshot at sequence " +
                         std::to_string(sequence));
  }
  snapshots_.erase(it);
  return Status::Ok();
}

}  // namespace curve::mds
