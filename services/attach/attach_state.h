#pragma once

// The on-disk record of one attached volume, kept by its daemon under the runtime dir so `map` is
// idempotent and `list` works after the CLI has exited:
//
//   <runtime_dir>/<escaped volume>/state.json   this record (written atomically)
//   <runtime_dir>/<escaped volume>/mnt/volume   the FUSE file the loop device reads
//   <runtime_dir>/<escaped volume>/attachd.log  the daemon's log
//   <runtime_dir>/<escaped volume>.lock         flock held by map/unmap of the volume

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace curve::attach {

struct AttachState {
  std::string volume;
  std::string backend;     // the backend spec, e.g. "file:/images/vol1"
  pid_t pid = 0;           // the daemon
  std::string fuse_mount;  // directory
  std::string file;        // the FUSE file under it
  std::string device;      // "/dev/loop3"
  bool direct_io = false;  // whether the loop device does direct IO to the file
  std::string log_file;
  uint64_t size = 0;          // the volume size the device serves, as of the last (re)fresh
  uint64_t refreshes = 0;     // how many refresh requests (SIGUSR1) the daemon has handled
  std::string refresh_error;  // the last refresh's failure; empty when it succeeded
};

// Paths of one volume's runtime files.
class AttachPaths {
 public:
  AttachPaths(std::string runtime_dir, const std::string& volume);

  const std::string& volume_dir() const { return volume_dir_; }
  std::string state_file() const { return volume_dir_ + "/state.json"; }
  std::string mount_dir() const { return volume_dir_ + "/mnt"; }
  std::string log_file() const { return volume_dir_ + "/attachd.log"; }
  std::string lock_file() const { return volume_dir_ + ".lock"; }

  // A directory-safe name: [A-Za-z0-9._-] kept, anything else (and a leading '.') as %XX.
  static std::string Escape(const std::string& volume);

 private:
  std::string volume_dir_;
};

Status WriteAttachState(const std::string& path, const AttachState& state);
// NOT_FOUND when absent; DATA_LOSS when unreadable.
Result<AttachState> ReadAttachState(const std::string& path);
// Every record under `runtime_dir` (an absent dir has none).
std::vector<AttachState> ListAttachStates(const std::string& runtime_dir);

// Whether `pid` is a live (not zombie) curve-attachd process.
bool AttachDaemonAlive(pid_t pid);

}  // namespace curve::attach
