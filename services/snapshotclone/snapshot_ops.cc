#include "services/snapshotclone/snapshot_ops.h"

#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>

namespace curve::snapshotclone {
namespace {

constexpr uint32_t kReadPiece = 1 << 20;

}  // namespace

Status ForEachAllocatedChunk(VolumeSnapshotSource& source, const std::string& user,
                             const std::string& path, const VolumeShape& shape, uint64_t first,
                             const std::function<Status(uint64_t, const ChunkLocation&)>& fn) {
  if (shape.chunk_size == 0 || shape.segment_size == 0 ||
      shape.segment_size % shape.chunk_size != 0) {
    return InvalidArgumentError("volume " + path + " has chunk size " +
                                std::to_string(shape.chunk_size) + " and segment size " +
                                std::to_string(shape.segment_size));
  }
  const uint64_t per_segment = shape.segment_size / shape.chunk_size;
  for (uint64_t offset = (first / per_segment) * shape.segment_size; offset < shape.size;
       offset += shape.segment_size) {
    CURVE_ASSIGN_OR_RETURN(auto segment, source.GetSegment(user, path, offset));
    if (!segment.has_value()) continue;
    const uint64_t base = offset / shape.chunk_size;
    for (uint64_t i = 0; i < segment->chunks.size() && i < per_segment; ++i) {
      if (base + i < first) continue;
      CURVE_RETURN_IF_ERROR(fn(base + i, segment->chunks[i]));
    }
  }
  return Status::Ok();
}

Result<std::set<uint64_t>> AllocatedChunks(VolumeSnapshotSource& source, const std::string& user,
                                           const std::string& path, const VolumeShape& shape) {
  std::set<uint64_t> out;
  CURVE_RETURN_IF_ERROR(
      ForEachAllocatedChunk(source, user, path, shape, 0, [&](uint64_t index, const auto&) {
        out.insert(index);
        return Status::Ok();
      }));
  return out;
}

Result<ChunkRead> ReadSnapshotChunk(VolumeSnapshotSource& source, const ChunkLocation& chunk,
                                    uint64_t sequence, uint64_t chunk_size) {
  ChunkRead out;
  for (uint64_t offset = 0; offset < chunk_size; offset += kReadPiece) {
    uint32_t length = static_cast<uint32_t>(std::min<uint64_t>(kReadPiece, chunk_size - offset));
    CURVE_ASSIGN_OR_RETURN(ChunkRead piece,
                           source.ReadChunkSnapshot(chunk, sequence, offset, length));
    if (!piece.exists) return ChunkRead{};
    if (piece.data.size() != length) {
      return DataLossError("chunk " + std::to_string(chunk.chunk_id) + " of snapshot " +
                           std::to_string(sequence) + " answered " +
                           std::to_string(piece.data.size()) + " bytes at offset " +
                           std::to_string(offset) + ", asked " + std::to_string(length));
    }
    out.exists = true;
    out.data += piece.data;
  }
  return out;
}

bool AllZero(std::string_view data) {
  return std::all_of(data.begin(), data.end(), [](char c) { return c == 0; });
}

Result<MdsSnapshot> TakeMdsSnapshot(VolumeSnapshotSource& source, const std::string& user,
                                    const std::string& path) {
  auto created = source.CreateSnapshot(user, path);
  if (created.ok() || created.status().code() != StatusCode::kFailedPrecondition) return created;
  CURVE_ASSIGN_OR_RETURN(auto existing, source.ListSnapshots(user, path));
  if (existing.empty()) return created;  // the refusal was about something else
  return existing.front();
}

Result<MdsSnapshot> WaitSnapshotReady(VolumeSnapshotSource& source, const std::string& user,
                                      const std::string& path, uint64_t sequence,
                                      std::chrono::milliseconds timeout,
                                      std::chrono::milliseconds poll,
                                      const std::function<Status()>& interrupted,
                                      spdlog::logger& logger) {
  const auto start = std::chrono::steady_clock::now();
  auto next_log = start + std::chrono::seconds(10);
  while (true) {
    CURVE_ASSIGN_OR_RETURN(auto snapshots, source.ListSnapshots(user, path));
    auto it = std::find_if(snapshots.begin(), snapshots.end(),
                           [&](const MdsSnapshot& s) { return s.sequence == sequence; });
    if (it == snapshots.end()) {
      return NotFoundError("the MDS has no snapshot " + std::to_string(sequence) + " of " + path);
    }
    if (it->ready) return *it;
    auto now = std::chrono::steady_clock::now();
    if (now - start >= timeout) {
      return DeadlineExceededError("snapshot " + std::to_string(sequence) + " of " + path +
                                   " not ready after " + std::to_string(timeout.count()) +
                                   " ms: the volume's writer has not switched to the new sequence");
    }
    if (now >= next_log) {
      next_log = now + std::chrono::seconds(10);
      logger.info("op=WaitSnapshotReady file={} seq={} waited_ms={}", path, sequence,
                  std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count());
    }
    CURVE_RETURN_IF_ERROR(interrupted());
    std::this_thread::sleep_for(poll);
  }
}

Status EndMdsSnapshot(VolumeSnapshotSource& source, const std::string& user,
                      const std::string& path, const VolumeShape& shape, uint64_t sequence) {
  CURVE_RETURN_IF_ERROR(ForEachAllocatedChunk(source, user, path, shape, 0,
                                              [&](uint64_t, const ChunkLocation& chunk) {
                                                return source.DeleteChunkSnapshot(chunk, sequence);
                                              }));
  Status deleted = source.DeleteSnapshot(user, path, sequence);
  if (deleted.code() == StatusCode::kNotFound) return Status::Ok();
  return deleted;
}

std::string SnapshotObjectPrefix(const std::string& prefix, const std::string& uuid) {
  return prefix + "/" + uuid + "/";
}
std::string ChunkObjectPrefix(const std::string& prefix, const std::string& uuid) {
  return SnapshotObjectPrefix(prefix, uuid) + "chunks/";
}
std::string ChunkObjectKey(const std::string& prefix, const std::string& uuid, uint64_t index) {
  return ChunkObjectPrefix(prefix, uuid) + std::to_string(index);
}
std::string MetaObjectKey(const std::string& prefix, const std::string& uuid) {
  return SnapshotObjectPrefix(prefix, uuid) + "meta";
}

Result<uint64_t> ChunkIndexOfKey(const std::string& chunk_prefix, const std::string& key) {
  if (key.rfind(chunk_prefix, 0) != 0 || key.size() == chunk_prefix.size()) {
    return InvalidArgumentError("object " + key + " is not under " + chunk_prefix);
  }
  std::string tail = key.substr(chunk_prefix.size());
  if (!std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      tail.size() > 19) {
    return InvalidArgumentError("object " + key + " does not end with a chunk index");
  }
  return std::stoull(tail);
}

std::string SnapshotMetaToJson(const SnapshotMeta& meta) {
  nlohmann::json j = {{"uuid", meta.uuid},
                      {"user", meta.user},
                      {"file", meta.file},
                      {"seq", meta.sequence},
                      {"file_length", meta.shape.size},
                      {"chunk_size", meta.shape.chunk_size},
                      {"segment_size", meta.shape.segment_size},
                      {"chunks", meta.chunks}};
  return j.dump();
}

Result<SnapshotMeta> ParseSnapshotMeta(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return DataLossError("snapshot metadata is not a JSON object");
  SnapshotMeta meta;
  try {
    meta.uuid = j.at("uuid").get<std::string>();
    meta.user = j.at("user").get<std::string>();
    meta.file = j.at("file").get<std::string>();
    meta.sequence = j.at("seq").get<uint64_t>();
    meta.shape.size = j.at("file_length").get<uint64_t>();
    meta.shape.chunk_size = j.at("chunk_size").get<uint64_t>();
    meta.shape.segment_size = j.at("segment_size").get<uint64_t>();
    meta.chunks = j.at("chunks").get<std::set<uint64_t>>();
  } catch (const std::exception& e) {
    return DataLossError(std::string("snapshot metadata: ") + e.what());
  }
  return meta;
}

void ProgressLog::Update(int percent) {
  if (percent / 10 <= logged_) return;
  logged_ = percent / 10;
  logger_.info("op={} uuid={} progress={}%", what_, uuid_, percent);
}

int CopyProgress(uint64_t done, uint64_t total) {
  if (total == 0) return 95;
  return 5 + static_cast<int>(90 * std::min(done, total) / total);
}

}  // namespace curve::snapshotclone
