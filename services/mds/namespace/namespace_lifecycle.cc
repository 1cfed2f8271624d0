// NamespaceManager: deletion, the recycle bin, segment allocation and sessions.
#include <algorithm>
#include <random>

#include "common/logging.h"
#include "services/mds/namespace/namespace_manager.h"
#include "services/mds/topology/cluster_map.h"

namespace curve::mds {
namespace {

std::string NewSessionId() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  static const char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 24; ++i) id.push_back(kHex[rng() % 16]);
  return id;
}

}  // namespace

Status NamespaceManager::Delete(const std::string& user, const std::string& path, bool purge) {
  CURVE_RETURN_IF_ERROR(ValidateName("user", user));
  CURVE_ASSIGN_OR_RETURN(auto components, SplitPath("path", path));
  if (components.empty()) return InvalidArgumentError("path /: the root cannot be deleted");
  for (int attempt = 0; attempt < 5; ++attempt) {
    CURVE_ASSIGN_OR_RETURN(auto record, Resolve(components, path));
    if (user != "root" && record.info.owner() != user) {
      return PermissionDeniedError("user " + user + " does not own " + path);
    }
    FileInfo stored = record.info;
    stored.clear_path();
    Status status;
    if (record.info.type() == FILE_TYPE_DIRECTORY) {
      CURVE_ASSIGN_OR_RETURN(auto children, store_.ListDir(record.info.id()));
      if (!children.empty()) {
        return FailedPreconditionError("directory " + path + " is not empty");
      }
      status = store_.RemoveFile(stored, record.revision, nullptr);
    } else {
      CURVE_ASSIGN_OR_RETURN(auto session, store_.GetSession(record.info.id()));
      if (session.has_value()) {
        return FailedPreconditionError("volume " + path + " is open by client " +
                                       session->client());
      }
      CURVE_ASSIGN_OR_RETURN(auto snapshot, store_.GetSnapshot(record.info.id()));
      if (snapshot.has_value()) {
        return FailedPreconditionError("volume " + path + " has a snapshot at sequence " +
                                       std::to_string(snapshot->sequence()) +
                                       " in progress (finish or delete it first)");
      }
      FileInfo recycled = stored;
      recycled.set_path(path);
      recycled.set_deleted_ms(clock_.UnixMillis());
      status = store_.RemoveFile(stored, record.revision, purge ? nullptr : &recycled);
    }
    if (status.code() == StatusCode::kAborted) continue;
    return status;
  }
  return AbortedError(path + " kept changing concurrently; retry");
}

Result<std::vector<FileInfo>> NamespaceManager::ListRecycleBin(const std::string& user) {
  CURVE_RETURN_IF_ERROR(ValidateName("user", user));
  CURVE_ASSIGN_OR_RETURN(auto files, store_.ListRecycled());
  if (user != "root") {
    std::erase_if(files, [&](const FileInfo& f) { return f.owner() != user; });
  }
  return files;
}

Status NamespaceManager::Purge(const std::string& user, uint64_t file_id) {
  CURVE_RETURN_IF_ERROR(ValidateName("user", user));
  CURVE_ASSIGN_OR_RETURN(auto file, store_.GetRecycled(file_id));
  if (!file.has_value()) {
    return NotFoundError("file_id " + std::to_string(file_id) + " is not in the recycle bin");
  }
  if (user != "root" && file->owner() != user) {
    return PermissionDeniedError("user " + user + " does not own recycled " + file->path());
  }
  return store_.PurgeRecycled(file_id);
}

Result<FileInfo> NamespaceManager::Recover(const std::string& user, uint64_t file_id,
                                           const std::string& new_path) {
  CURVE_RETURN_IF_ERROR(ValidateName("user", user));
  CURVE_ASSIGN_OR_RETURN(auto file, store_.GetRecycled(file_id));
  if (!file.has_value()) {
    return NotFoundError("file_id " + std::to_string(file_id) + " is not in the recycle bin");
  }
  if (user != "root" && file->owner() != user) {
    return PermissionDeniedError("user " + user + " does not own recycled " + file->path());
  }
  std::string path = new_path.empty() ? file->path() : new_path;
  CURVE_ASSIGN_OR_RETURN(auto components, SplitPath("new_path", path));
  if (components.empty()) return InvalidArgumentError("new_path / is the root");
  std::vector<std::string> parent_path(components.begin(), components.end() - 1);
  auto parent = Resolve(parent_path, path);
  if (!parent.ok()) {
    if (parent.status().code() != StatusCode::kNotFound) return parent.status();
    return NotFoundError("parent directory of " + path + " does not exist");
  }
  if (parent->info.type() != FILE_TYPE_DIRECTORY) {
    return FailedPreconditionError("the parent of " + path + " is not a directory");
  }
  FileInfo restored = *file;
  restored.clear_path();
  restored.clear_deleted_ms();
  restored.set_parent_id(parent->info.id());
  restored.set_name(components.back());
  Status status = store_.RestoreRecycled(restored);
  if (status.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("new_path " + path + " already exists");
  }
  CURVE_RETURN_IF_ERROR(status);
  restored.set_path(path);
  return restored;
}

Result<int> NamespaceManager::PurgeExpired() {
  if (options_.recycle_retention.count() <= 0) return 0;
  CURVE_ASSIGN_OR_RETURN(auto files, store_.ListRecycled());
  int64_t cutoff = clock_.UnixMillis() - options_.recycle_retention.count();
  int purged = 0;
  for (const auto& f : files) {
    if (f.deleted_ms() > cutoff) continue;
    Status status = store_.PurgeRecycled(f.id());
    if (status.code() == StatusCode::kNotFound) continue;  // purged concurrently
    CURVE_RETURN_IF_ERROR(status);
    ++purged;
  }
  return purged;
}

Result<int> NamespaceManager::CollectGarbage(const ChunkDeleter& delete_chunk, int max_chunks) {
  CURVE_ASSIGN_OR_RETURN(auto files, store_.ListGarbage());
  int calls = 0, deleted = 0;
  Status first_error;
  for (uint64_t id : files) {
    CURVE_ASSIGN_OR_RETURN(auto segments, store_.ListSegments(id));
    bool all_gone = true;
    for (const auto& segment : segments) {
      bool gone = true;
      for (const auto& chunk : segment.chunks()) {
        if (calls++ >= max_chunks) return deleted;
        Status status =
            delete_chunk(segment.logical_pool_id(), chunk.copyset_id(), chunk.chunk_id());
        if (!status.ok()) {
          if (first_error.ok()) first_error = status;
          gone = false;
          break;  // its copyset is unreachable now: retry the segment later
        }
        ++deleted;
      }
      if (gone) {
        CURVE_RETURN_IF_ERROR(store_.RemoveSegment(id, segment.offset()));
      } else {
        all_gone = false;
      }
    }
    if (all_gone) {
      CURVE_RETURN_IF_ERROR(store_.RemoveGarbage(id));
      log::Get("mds")->info("op=CollectGarbage file_id={} segments={} done", id, segments.size());
    }
  }
  if (!first_error.ok()) {
    log::Get("mds")->warn("op=CollectGarbage err=\"{}\" (retried later)", first_error.ToString());
  }
  return deleted;
}

Result<SegmentInfo> NamespaceManager::GetOrAllocateSegment(const std::string& user,
                                                           const std::string& path, uint64_t offset,
                                                           bool allocate) {
  CURVE_ASSIGN_OR_RETURN(auto record, ResolveVolume(user, path, allocate));
  const FileInfo& file = record.info;
  if (offset % file.segment_size() != 0) {
    return InvalidArgumentError("offset " + std::to_string(offset) +
                                " is not a multiple of the segment size " +
                                std::to_string(file.segment_size()));
  }
  if (offset >= file.size()) {
    return OutOfRangeError("offset " + std::to_string(offset) + " is beyond the size " +
                           std::to_string(file.size()) + " of " + path);
  }
  CURVE_ASSIGN_OR_RETURN(auto existing, store_.GetSegment(file.id(), offset));
  if (existing.has_value()) return *existing;
  if (!allocate) {
    return NotFoundError("segment at offset " + std::to_string(offset) + " of " + path +
                         " is not allocated");
  }
  CURVE_ASSIGN_OR_RETURN(auto pools, pools_(file.poolset()));
  if (pools.empty()) {
    return FailedPreconditionError("poolset " + file.poolset() +
                                   " has no copysets yet (are its chunkservers registered?)");
  }
  std::erase_if(pools, [&](const PoolView& p) {
    return p.used_ratio >= options_.pool_usage_limit || p.copysets.empty();
  });
  if (pools.empty()) {
    return ResourceExhaustedError(
        "every pool of poolset " + file.poolset() + " is above " +
        std::to_string(static_cast<int>(options_.pool_usage_limit * 100)) + "% used");
  }
  const PoolView& pool = *std::min_element(
      pools.begin(), pools.end(),
      [](const PoolView& a, const PoolView& b) { return a.used_ratio < b.used_ratio; });
  uint32_t chunks = static_cast<uint32_t>(file.segment_size() / file.chunk_size());
  CURVE_ASSIGN_OR_RETURN(uint64_t first_chunk, store_.AllocateChunkIds(chunks));
  SegmentInfo segment;
  segment.set_file_id(file.id());
  segment.set_offset(offset);
  segment.set_logical_pool_id(pool.id);
  {
    std::lock_guard lock(mu_);
    auto [cursor, inserted] = next_copyset_.emplace(pool.id, 0);
    if (inserted) cursor->second = std::random_device{}() % pool.copysets.size();
    for (uint32_t i = 0; i < chunks; ++i) {
      ChunkInfo* chunk = segment.add_chunks();
      chunk->set_chunk_id(first_chunk + i);
      chunk->set_copyset_id(pool.copysets[cursor->second++ % pool.copysets.size()]);
    }
  }
  return store_.CreateSegment(segment);
}

Result<std::pair<FileInfo, SessionInfo>> NamespaceManager::Open(const std::string& user,
                                                                const std::string& path,
                                                                const std::string& client) {
  if (client.empty()) return InvalidArgumentError("client is empty");
  CURVE_ASSIGN_OR_RETURN(auto record, ResolveVolume(user, path, true));
  SessionInfo session;
  session.set_session_id(NewSessionId());
  session.set_client(client);
  session.set_file_id(record.info.id());
  session.set_sequence(VolumeSequence(record.info));
  auto created = store_.CreateSession(session, options_.session_ttl);
  if (!created.ok()) return created.status().WithContext("open " + path);
  return std::make_pair(record.info, *created);
}

Result<uint64_t> NamespaceManager::Refresh(const std::string& user, const std::string& path,
                                           const std::string& session_id, uint64_t sequence) {
  if (session_id.empty()) return InvalidArgumentError("session_id is empty");
  CURVE_ASSIGN_OR_RETURN(auto record, ResolveVolume(user, path, false));
  if (sequence > record.info.sequence()) {
    return InvalidArgumentError("sequence " + std::to_string(sequence) + " is above the volume's " +
                                std::to_string(record.info.sequence()) + " for " + path);
  }
  SessionInfo session;
  session.set_session_id(session_id);
  session.set_file_id(record.info.id());
  session.set_sequence(sequence);
  CURVE_RETURN_IF_ERROR(store_.RefreshSession(session));
  return record.info.sequence();
}

Status NamespaceManager::Close(const std::string& user, const std::string& path,
                               const std::string& session_id) {
  if (session_id.empty()) return InvalidArgumentError("session_id is empty");
  CURVE_ASSIGN_OR_RETURN(auto record, ResolveVolume(user, path, false));
  SessionInfo session;
  session.set_session_id(session_id);
  session.set_file_id(record.info.id());
  return store_.DeleteSession(session);
}

}  // namespace curve::mds
