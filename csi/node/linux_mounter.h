#pragma once

#include "csi/node/mounter.h"

namespace curve::csi {

// Mounter on Linux: blkid, mkfs.ext4/mkfs.xfs, mount/umount, dumpe2fs/xfs_db (sizes),
// e2fsck+resize2fs/xfs_growfs, and /proc/self/mountinfo. Needs root (CAP_SYS_ADMIN). Thread-safe
// (no state).
class LinuxMounter : public Mounter {
 public:
  Result<std::string> GetFormat(const std::string& device) override;
  Status Format(const std::string& device, const std::string& fs_type) override;
  Status Mount(const std::string& source, const std::string& target, const std::string& fs_type,
               const std::vector<std::string>& options) override;
  Status BindMount(const std::string& source, const std::string& target, bool read_only) override;
  Status Unmount(const std::string& target) override;
  Result<MountPoint> FindMount(const std::string& target) override;
  Result<bool> NeedsGrow(const std::string& device, const std::string& fs_type) override;
  Status ResizeFs(const std::string& device, const std::string& mount_path,
                  const std::string& fs_type) override;
};

// Whether this process holds CAP_SYS_RESOURCE, which the kernel requires to grow ext2/3/4 online.
bool HasCapSysResource();

// Parses the text of /proc/<pid>/mountinfo (octal escapes such as \040 decoded).
std::vector<MountPoint> ParseMountInfo(const std::string& text);

}  // namespace curve::csi
