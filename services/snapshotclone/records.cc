#include "services/snapshotclone/records.h"

#include <chrono>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

namespace curve::snapshotclone {
namespace {

using Json = nlohmann::json;

template <typename T>
Status ReadField(const Json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end()) return Status::Ok();  // absent: the default
  try {
    *out = it->get<T>();
  } catch (const std::exception& e) {
    return DataLossError(std::string("field ") + key + ": " + e.what());
  }
  return Status::Ok();
}

template <typename E>
Status ReadEnum(const Json& j, const char* key, E* out, int max) {
  int value = static_cast<int>(*out);
  CURVE_RETURN_IF_ERROR(ReadField(j, key, &value));
  if (value < 0 || value > max) {
    return DataLossError(std::string("field ") + key + ": " + std::to_string(value) +
                         " is out of range [0, " + std::to_string(max) + "]");
  }
  *out = static_cast<E>(value);
  return Status::Ok();
}

Result<Json> ParseObject(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return DataLossError("record is not a JSON object: " + text.substr(0, 80));
  return j;
}

}  // namespace

std::string ToJson(const SnapshotRecord& r) {
  Json j = {{"uuid", r.uuid},
            {"user", r.user},
            {"file", r.file},
            {"name", r.name},
            {"time_us", r.time_us},
            {"status", static_cast<int>(r.status)},
            {"progress", r.progress},
            {"message", r.message},
            {"step", static_cast<int>(r.step)},
            {"seq", r.seq},
            {"file_length", r.file_length},
            {"chunk_size", r.chunk_size},
            {"segment_size", r.segment_size},
            {"next_chunk", r.next_chunk},
            {"poolset", r.poolset}};
  return j.dump();
}

std::string ToJson(const CloneRecord& r) {
  Json j = {{"uuid", r.uuid},
            {"user", r.user},
            {"source", r.source},
            {"destination", r.destination},
            {"poolset", r.poolset},
            {"type", static_cast<int>(r.type)},
            {"source_is_snapshot", r.source_is_snapshot},
            {"lazy", r.lazy},
            {"time_us", r.time_us},
            {"status", static_cast<int>(r.status)},
            {"progress", r.progress},
            {"message", r.message},
            {"step", static_cast<int>(r.step)},
            {"seq", r.seq},
            {"size", r.size},
            {"chunk_size", r.chunk_size},
            {"segment_size", r.segment_size},
            {"next_chunk", r.next_chunk}};
  return j.dump();
}

Result<SnapshotRecord> ParseSnapshotRecord(const std::string& text) {
  CURVE_ASSIGN_OR_RETURN(Json j, ParseObject(text));
  SnapshotRecord r;
  CURVE_RETURN_IF_ERROR(ReadField(j, "uuid", &r.uuid));
  CURVE_RETURN_IF_ERROR(ReadField(j, "user", &r.user));
  CURVE_RETURN_IF_ERROR(ReadField(j, "file", &r.file));
  CURVE_RETURN_IF_ERROR(ReadField(j, "name", &r.name));
  CURVE_RETURN_IF_ERROR(ReadField(j, "time_us", &r.time_us));
  CURVE_RETURN_IF_ERROR(ReadEnum(j, "status", &r.status, 5));
  CURVE_RETURN_IF_ERROR(ReadField(j, "progress", &r.progress));
  CURVE_RETURN_IF_ERROR(ReadField(j, "message", &r.message));
  CURVE_RETURN_IF_ERROR(ReadEnum(j, "step", &r.step, 5));
  CURVE_RETURN_IF_ERROR(ReadField(j, "seq", &r.seq));
  CURVE_RETURN_IF_ERROR(ReadField(j, "file_length", &r.file_length));
  CURVE_RETURN_IF_ERROR(ReadField(j, "chunk_size", &r.chunk_size));
  CURVE_RETURN_IF_ERROR(ReadField(j, "segment_size", &r.segment_size));
  CURVE_RETURN_IF_ERROR(ReadField(j, "next_chunk", &r.next_chunk));
  CURVE_RETURN_IF_ERROR(ReadField(j, "poolset", &r.poolset));
  if (r.uuid.empty()) return DataLossError("snapshot record without uuid");
  return r;
}

Result<CloneRecord> ParseCloneRecord(const std::string& text) {
  CURVE_ASSIGN_OR_RETURN(Json j, ParseObject(text));
  CloneRecord r;
  CURVE_RETURN_IF_ERROR(ReadField(j, "uuid", &r.uuid));
  CURVE_RETURN_IF_ERROR(ReadField(j, "user", &r.user));
  CURVE_RETURN_IF_ERROR(ReadField(j, "source", &r.source));
  CURVE_RETURN_IF_ERROR(ReadField(j, "destination", &r.destination));
  CURVE_RETURN_IF_ERROR(ReadField(j, "poolset", &r.poolset));
  CURVE_RETURN_IF_ERROR(ReadEnum(j, "type", &r.type, 1));
  CURVE_RETURN_IF_ERROR(ReadField(j, "source_is_snapshot", &r.source_is_snapshot));
  CURVE_RETURN_IF_ERROR(ReadField(j, "lazy", &r.lazy));
  CURVE_RETURN_IF_ERROR(ReadField(j, "time_us", &r.time_us));
  CURVE_RETURN_IF_ERROR(ReadEnum(j, "status", &r.status, 7));
  CURVE_RETURN_IF_ERROR(ReadField(j, "progress", &r.progress));
  CURVE_RETURN_IF_ERROR(ReadField(j, "message", &r.message));
  CURVE_RETURN_IF_ERROR(ReadEnum(j, "step", &r.step, 5));
  CURVE_RETURN_IF_ERROR(ReadField(j, "seq", &r.seq));
  CURVE_RETURN_IF_ERROR(ReadField(j, "size", &r.size));
  CURVE_RETURN_IF_ERROR(ReadField(j, "chunk_size", &r.chunk_size));
  CURVE_RETURN_IF_ERROR(ReadField(j, "segment_size", &r.segment_size));
  CURVE_RETURN_IF_ERROR(ReadField(j, "next_chunk", &r.next_chunk));
  if (r.uuid.empty()) return DataLossError("clone record without uuid");
  return r;
}

bool Unfinished(const SnapshotRecord& r) {
  return r.status == SnapshotStatus::kPending || r.status == SnapshotStatus::kDeleting ||
         r.status == SnapshotStatus::kCanceling;
}

bool Unfinished(const CloneRecord& r) {
  return r.status == CloneStatus::kCloning || r.status == CloneStatus::kRecovering ||
         r.status == CloneStatus::kCleaning;
}

std::string NewUuid() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^
                                          static_cast<uint64_t>(NowMicros()));
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xF000ull) | 0x4000ull;                  // version 4
  lo = (lo & ~(0xC000ull << 48)) | (0x8000ull << 48);  // variant 10
  char out[37];
  std::snprintf(out, sizeof(out), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return out;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace curve::snapshotclone
