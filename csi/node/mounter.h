#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace curve::csi {

// One entry of /proc/self/mountinfo.
struct MountPoint {
  std::string source;  // device or "none"
  std::string target;  // mount point
  std::string fs_type;
  std::string root;  // the mounted subtree of the source ("/" for a whole file system)
  bool read_only = false;
};

// File systems and mounts on the node. LinuxMounter runs the real tools (blkid, mkfs.*, mount,
// umount, resize2fs, xfs_growfs); FakeMounter keeps state in memory for unit tests.
// Implementations are thread-safe. Paths are absolute.
class Mounter {
 public:
  virtual ~Mounter() = default;

  // The file system type on `device` ("ext4", "xfs", ...), or "" when it carries none.
  virtual Result<std::string> GetFormat(const std::string& device) = 0;
  // Makes a file system (ext4 or xfs) on a blank device, which must read as zeros (a new
  // volume): ext4's inode tables and journal are not written and never zeroed later.
  virtual Status Format(const std::string& device, const std::string& fs_type) = 0;
  // Mounts a file system; `options` as for mount -o.
  virtual Status Mount(const std::string& source, const std::string& target,
                       const std::string& fs_type, const std::vector<std::string>& options) = 0;
  // Bind-mounts a directory or a device file onto `target`, read-only when asked.
  virtual Status BindMount(const std::string& source, const std::string& target,
                           bool read_only) = 0;
  // Unmounts `target`; OK when nothing is mounted there.
  virtual Status Unmount(const std::string& target) = 0;
  // The mount at exactly `target`, or nullopt-like NOT_FOUND when there is none.
  virtual Result<MountPoint> FindMount(const std::string& target) = 0;
  // Whether the `fs_type` file system on `device` is smaller than the device (by more than the
  // slack mkfs leaves), i.e. the device grew since the file system was made or last grown.
  virtual Result<bool> NeedsGrow(const std::string& device, const std::string& fs_type) = 0;
  // Grows the file system on `device` to the device's size: online when `mount_path` names where
  // it is mounted, offline when `mount_path` is empty (ext2/3/4 only; xfs grows only mounted).
  // FAILED_PRECONDITION naming the cause when this host cannot do it (e.g. online ext4 growth
  // without CAP_SYS_RESOURCE).
  virtual Status ResizeFs(const std::string& device, const std::string& mount_path,
                          const std::string& fs_type) = 0;
};

}  // namespace curve::csi
