#include "csi/node/linux_mounter.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "csi/util/exec.h"

namespace curve::csi {
namespace {

std::string Unescape(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      int value = 0;
      bool octal = true;
      for (size_t j = i + 1; j <= i + 3; ++j) {
        if (j >= field.size() || field[j] < '0' || field[j] > '7') {
          octal = false;
          break;
        }
        value = value * 8 + (field[j] - '0');
      }
      if (octal) {
        out += static_cast<char>(value);
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The canonical form of a path when it exists (mountinfo shows resolved paths).
std::string Canonical(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) != nullptr) return resolved;
  return path;
}

// mkfs may leave a partial last block group or allocation group unused.
constexpr uint64_t kGrowSlack = uint64_t{1} << 20;

bool IsExt(const std::string& fs_type) {
  return fs_type == "ext4" || fs_type == "ext3" || fs_type == "ext2";
}

// The number after the first line starting with `key` in tool output; 0 when absent.
uint64_t Field(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(key, 0) == 0) return std::strtoull(line.c_str() + key.size(), nullptr, 10);
  }
  return 0;
}

Result<uint64_t> DeviceSize(const std::string& device) {
  int fd = open(device.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return InternalError("open " + device + ": " + std::strerror(errno));
  uint64_t bytes = 0;
  int rc = ioctl(fd, BLKGETSIZE64, &bytes);
  int err = errno;
  close(fd);
  if (rc != 0) return InternalError("size of " + device + ": " + std::strerror(err));
  return bytes;
}

}  // namespace

bool HasCapSysResource() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      return (std::strtoull(line.c_str() + 7, nullptr, 16) >> CAP_SYS_RESOURCE) & 1;
    }
  }
  return false;
}

std::vector<MountPoint> ParseMountInfo(const std::string& text) {
  std::vector<MountPoint> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::vector<std::string> parts;
    std::string part;
    while (fields >> part) parts.push_back(part);
    size_t dash = 0;
    for (size_t i = 6; i < parts.size(); ++i) {
      if (parts[i] == "-") {
        dash = i;
        break;
      }
    }
    if (parts.size() < 10 || dash == 0 || dash + 2 >= parts.size()) continue;
    MountPoint mount;
    mount.root = Unescape(parts[3]);
    mount.target = Unescape(parts[4]);
    mount.fs_type = parts[dash + 1];
    mount.source = Unescape(parts[dash + 2]);
    std::istringstream options(parts[5]);
    std::string option;
    while (std::getline(options, option, ',')) mount.read_only |= option == "ro";
    out.push_back(std::move(mount));
  }
  return out;
}

Result<std::string> LinuxMounter::GetFormat(const std::string& device) {
  CURVE_ASSIGN_OR_RETURN(auto result,
                         RunCommand({"blkid", "-p", "-s", "TYPE", "-o", "value", device}));
  if (result.exit_code == 2) return std::string();  // no signature found: blank
  if (result.exit_code != 0) {
    return InternalError("blkid " + device + " failed (exit " + std::to_string(result.exit_code) +
                         "): " + Trim(result.output));
  }
  return Trim(result.output);
}

Status LinuxMounter::Format(const std::string& device, const std::string& fs_type) {
  if (fs_type == "xfs") return RunChecked({"mkfs.xfs", "-f", "-q", "-K", device}).status();
  if (fs_type != "ext4") {
    return InvalidArgumentError("cannot format " + device + " as '" + fs_type +
                                "': expected ext4 or xfs");
  }
  // A blank volume reads as zeros (CurveBS serves never-written blocks as zeros), so ext4 is made
  // with its inode tables and journal taken as zeroed: mke2fs writes neither and marks every
  // group ITABLE_ZEROED, so the kernel's ext4lazyinit thread never writes them either (about
  // 16 MiB per GiB of volume). nodiscard: discarding a blank volume only costs time.
  auto ext4 = [&](const std::string& extended) {
    return std::vector<std::string>{"mkfs.ext4", "-F", "-q", "-m0", "-E", extended, device};
  };
  Status made = RunChecked(ext4("nodiscard,assume_storage_prezeroed=1")).status();
  if (made.ok() || made.message().find("Bad option") == std::string::npos) return made;
  // mke2fs before 1.47 lacks assume_storage_prezeroed: the kernel then zeroes the inode tables
  // in the background after the first mount.
  return RunChecked(ext4("nodiscard,lazy_itable_init=1,lazy_journal_init=1")).status();
}

Status LinuxMounter::Mount(const std::string& source, const std::string& target,
                           const std::string& fs_type, const std::vector<std::string>& options) {
  std::vector<std::string> argv{"mount", "-t", fs_type};
  std::string joined;
  for (const auto& option : options) joined += (joined.empty() ? "" : ",") + option;
  if (!joined.empty()) {
    argv.push_back("-o");
    argv.push_back(joined);
  }
  argv.push_back(source);
  argv.push_back(target);
  return RunChecked(argv).status();
}

Status LinuxMounter::BindMount(const std::string& source, const std::string& target,
                               bool read_only) {
  CURVE_RETURN_IF_ERROR(RunChecked({"mount", "--bind", source, target}).status());
  if (!read_only) return Status::Ok();
  Status status = RunChecked({"mount", "-o", "remount,bind,ro", target}).status();
  if (!status.ok()) Unmount(target).IgnoreError();
  return status;
}

Status LinuxMounter::Unmount(const std::string& target) {
  auto mount = FindMount(target);
  if (!mount.ok())
    return mount.status().code() == StatusCode::kNotFound ? Status::Ok() : mount.status();
  return RunChecked({"umount", mount->target}).status();
}

Result<MountPoint> LinuxMounter::FindMount(const std::string& target) {
  std::ifstream file("/proc/self/mountinfo");
  if (!file) return InternalError("cannot read /proc/self/mountinfo");
  std::stringstream text;
  text << file.rdbuf();
  std::string want = Canonical(target);
  std::vector<MountPoint> mounts = ParseMountInfo(text.str());
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    if (it->target == want || it->target == target) return *it;
  }
  return NotFoundError("nothing is mounted at " + target);
}

Result<bool> LinuxMounter::NeedsGrow(const std::string& device, const std::string& fs_type) {
  CURVE_ASSIGN_OR_RETURN(uint64_t device_bytes, DeviceSize(device));
  uint64_t fs_bytes = 0;
  if (IsExt(fs_type)) {
    CURVE_ASSIGN_OR_RETURN(std::string header, RunChecked({"dumpe2fs", "-h", device}));
    fs_bytes = Field(header, "Block count:") * Field(header, "Block size:");
  } else if (fs_type == "xfs") {
    CURVE_ASSIGN_OR_RETURN(std::string sb, RunChecked({"xfs_db", "-r", "-c", "sb 0", "-c",
                                                       "p dblocks", "-c", "p blocksize", device}));
    fs_bytes = Field(sb, "dblocks =") * Field(sb, "blocksize =");
  } else {
    return FailedPreconditionError("cannot tell the size of a " + fs_type + " file system on " +
                                   device + ": expected ext2/3/4 or xfs");
  }
  if (fs_bytes == 0) {
    return InternalError("cannot read the size of the " + fs_type + " file system on " + device);
  }
  return device_bytes > fs_bytes + kGrowSlack;
}

Status LinuxMounter::ResizeFs(const std::string& device, const std::string& mount_path,
                              const std::string& fs_type) {
  if (IsExt(fs_type)) {
    if (mount_path.empty()) {
      // resize2fs refuses an unchecked file system; -p repairs only what is safe (exit 1).
      CURVE_ASSIGN_OR_RETURN(auto checked, RunCommand({"e2fsck", "-f", "-p", device}));
      if (checked.exit_code != 0 && checked.exit_code != 1) {
        return InternalError("e2fsck -f -p " + device + " before growing it failed (exit " +
                             std::to_string(checked.exit_code) + "): " + Trim(checked.output));
      }
      return RunChecked({"resize2fs", device}).status();
    }
    Status status = RunChecked({"resize2fs", device}).status();
    if (!status.ok() && !HasCapSysResource()) {
      // EXT4_IOC_RESIZE_FS requires CAP_SYS_RESOURCE; unmounted, resize2fs needs no capability.
      return FailedPreconditionError(
          "cannot grow the " + fs_type + " file system on " + device + " mounted at " + mount_path +
          " online: the kernel requires CAP_SYS_RESOURCE, which this process lacks; it grows "
          "offline when the volume is next staged (NodeStageVolume), or give the node plugin "
          "CAP_SYS_RESOURCE (privileged)");
    }
    return status;
  }
  if (fs_type == "xfs") {
    if (mount_path.empty()) {
      return FailedPreconditionError("xfs on " + device + " grows only while mounted");
    }
    return RunChecked({"xfs_growfs", mount_path}).status();
  }
  return FailedPreconditionError("cannot grow a " + fs_type + " file system on " + device +
                                 ": expected ext2/3/4 or xfs");
}

}  // namespace curve::csi
