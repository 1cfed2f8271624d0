#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace curve::csi {

// What the node plugin remembers about a staged volume, so that it can re-attach and re-mount
// it after a restart and serve later calls that do not carry the details.
struct StagedVolume {
  std::string volume_id;
  std::string staging_path;
  std::string device;  // at staging time; re-attach may change it
  bool block = false;
  std::string fs_type;  // mount access only
  std::vector<std::string> mount_flags;
  std::string user;
  std::string file_name;
  int64_t size_bytes = 0;
  std::vector<std::string> targets;  // where NodePublish put it (absent in older records)
  bool single_writer = false;        // published with access mode SINGLE_NODE_SINGLE_WRITER
};

// Staged volumes as one JSON file each under <state dir>/staged/, written atomically
// (temp file + rename), so a crash never leaves a half-written record. Thread-safe for
// different volumes; callers serialise per volume (the node's operation locks).
class StageStore {
 public:
  explicit StageStore(std::string state_dir);

  Status Save(const StagedVolume& volume);
  // NOT_FOUND when the volume is not recorded.
  Result<StagedVolume> Load(const std::string& volume_id);
  // OK when absent.
  Status Remove(const std::string& volume_id);
  // Every record; unreadable ones are skipped and reported in `*errors` when given.
  std::vector<StagedVolume> LoadAll(std::vector<std::string>* errors = nullptr);

 private:
  std::string PathOf(const std::string& volume_id) const;
  std::string dir_;
};

}  // namespace curve::csi
