#include "csi/node/linux_mounter.h"

#include <limits.h>
#include <stdlib.h>

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

}  // namespace

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
  std::vector<std::string> argv;
  if (fs_type == "ext4") {
    argv = {"mkfs.ext4", "-F", "-q",
            "-m0",       "-E", "nodiscard,lazy_itable_init=1,lazy_journal_init=1",
            device};
  } else if (fs_type == "xfs") {
    argv = {"mkfs.xfs", "-f", "-q", "-K", device};
  } else {
    return InvalidArgumentError("cannot format " + device + " as '" + fs_type +
                                "': expected ext4 or xfs");
  }
  return RunChecked(argv).status();
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

Status LinuxMounter::ResizeFs(const std::string& device, const std::string& mount_path,
                              const std::string& fs_type) {
  if (fs_type == "ext4" || fs_type == "ext3" || fs_type == "ext2") {
    Status status = RunChecked({"resize2fs", device}).status();
    if (!status.ok() && status.message().find("Permission denied") != std::string::npos) {
      return FailedPreconditionError(status.message() +
                                     " (online ext4 growth needs CAP_SYS_RESOURCE)");
    }
    return status;
  }
  if (fs_type == "xfs") return RunChecked({"xfs_growfs", mount_path}).status();
  return FailedPreconditionError("cannot grow a " + fs_type + " file system on " + device);
}

}  // namespace curve::csi
