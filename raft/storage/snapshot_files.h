#pragma once

// SnapshotFiles: the payloads of the groups' latest snapshots, one file per payload in
// <log dir>/snap, named "<group: 16 hex>-<id: 16 hex>.snap". The log's snapshot record names the
// payload (id, size, crc32c); the file is written before that record, atomically (temp file,
// fsync, rename, fsync of the directory), under an id never used before, so a crash leaves either
// an orphan (removed at the next open) or a complete file. Thread-safe.

#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "common/fs/file_system.h"
#include "common/result.h"
#include "raft/core/types.h"
#include "raft/storage/storage_types.h"

namespace curve::raft {

class SnapshotFiles {
 public:
  SnapshotFiles(fs::FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}

  static std::string Name(GroupId group, uint64_t id);
  // (group, id) of a payload file name; nullopt for other names.
  static std::optional<std::pair<GroupId, uint64_t>> ParseName(std::string_view name);
  std::string PathOf(GroupId group, uint64_t id) const {
    return fs::JoinPath(dir_, Name(group, id));
  }

  // Writes `data` durably under a fresh id and returns the reference for the log's record (meta
  // left empty for the caller). Empty data writes nothing and returns id 0.
  Result<SnapshotRef> Write(GroupId group, std::string_view data);

  // Reads a payload back. DataLoss naming the file when it is missing or does not match the size
  // and checksum the log recorded.
  Result<std::string> Read(GroupId group, const SnapshotRef& ref) const;

  Status Remove(GroupId group, uint64_t id);

  // At open: removes every payload not in `keep` and every temp file, and starts ids above every
  // id seen.
  Status CleanUp(const std::set<std::pair<GroupId, uint64_t>>& keep);

 private:
  fs::FileSystem* fs_;
  std::string dir_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace curve::raft
