#include "raft/storage/snapshot_files.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "common/logging.h"
#include "raft/storage/crc32c.h"

namespace curve::raft {
namespace {

constexpr std::string_view kSuffix = ".snap";
constexpr std::string_view kTempSuffix = ".tmp";

std::optional<uint64_t> ParseHex(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

}  // namespace

std::string SnapshotFiles::Name(GroupId group, uint64_t id) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64 "-%016" PRIx64 ".snap", group, id);
  return buf;
}

std::optional<std::pair<GroupId, uint64_t>> SnapshotFiles::ParseName(std::string_view name) {
  if (name.size() != 33 + kSuffix.size() || !name.ends_with(kSuffix) || name[16] != '-') {
    return std::nullopt;
  }
  std::optional<uint64_t> group = ParseHex(name.substr(0, 16));
  std::optional<uint64_t> id = ParseHex(name.substr(17, 16));
  if (!group || !id) return std::nullopt;
  return std::make_pair(*group, *id);
}

Result<SnapshotRef> SnapshotFiles::Write(GroupId group, std::string_view data) {
  SnapshotRef ref;
  if (data.empty()) return ref;
  ref.payload_id = next_id_.fetch_add(1);
  ref.payload_size = data.size();
  ref.payload_crc = crc32c::Value(data);
  std::string path = PathOf(group, ref.payload_id);
  std::string temp = path + std::string(kTempSuffix);
  {
    CURVE_ASSIGN_OR_RETURN(std::unique_ptr<fs::File> file,
                           fs_->Open(temp, fs::OpenOptions{.create = true}));
    CURVE_RETURN_IF_ERROR(file->Truncate(0));
    CURVE_RETURN_IF_ERROR(file->Write(0, data));
    CURVE_RETURN_IF_ERROR(file->Sync());
  }
  CURVE_RETURN_IF_ERROR(fs_->Rename(temp, path));
  CURVE_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  return ref;
}

Result<std::string> SnapshotFiles::Read(GroupId group, const SnapshotRef& ref) const {
  if (ref.payload_id == 0) return std::string();
  std::string path = PathOf(group, ref.payload_id);
  Result<std::unique_ptr<fs::File>> file = fs_->Open(path, {});
  if (!file.ok()) {
    return DataLossError("snapshot payload " + path + ": " + file.status().ToString());
  }
  std::string data(ref.payload_size + 1, '\0');
  CURVE_ASSIGN_OR_RETURN(size_t got, (*file)->Read(0, data.size(), data.data()));
  data.resize(got);
  if (data.size() != ref.payload_size || crc32c::Value(data) != ref.payload_crc) {
    return DataLossError("snapshot payload " + path + " does not match the size " +
                         std::to_string(ref.payload_size) + " and checksum the log recorded");
  }
  return data;
}

Status SnapshotFiles::Remove(GroupId group, uint64_t id) { return fs_->Remove(PathOf(group, id)); }

Status SnapshotFiles::CleanUp(const std::set<std::pair<GroupId, uint64_t>>& keep) {
  CURVE_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_->List(dir_));
  uint64_t max_id = 0;
  bool removed = false;
  for (const std::string& name : names) {
    std::optional<std::pair<GroupId, uint64_t>> parsed = ParseName(name);
    if (!parsed && name.ends_with(kTempSuffix)) {
      parsed = ParseName(std::string_view(name).substr(0, name.size() - kTempSuffix.size()));
      if (parsed) {
        max_id = std::max(max_id, parsed->second);
        CURVE_RETURN_IF_ERROR(fs_->Remove(fs::JoinPath(dir_, name)));
        removed = true;
      }
      continue;
    }
    if (!parsed) continue;
    max_id = std::max(max_id, parsed->second);
    if (!keep.contains(*parsed)) {
      log::Get("raft")->info("op=RemoveOrphanSnapshot file={}", fs::JoinPath(dir_, name));
      CURVE_RETURN_IF_ERROR(fs_->Remove(fs::JoinPath(dir_, name)));
      removed = true;
    }
  }
  for (const auto& [group, id] : keep) max_id = std::max(max_id, id);
  next_id_.store(max_id + 1);
  if (removed) CURVE_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  return Status::Ok();
}

}  // namespace curve::raft
