#include "services/attach/attach_cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace curve::attach {
namespace {

namespace fs = std::filesystem;

bool IsCgroup(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "cgroup.procs", ec);
}

Status WriteFile(const fs::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return InternalError("open " + path.string() + ": " + std::strerror(errno));
  ssize_t written = ::write(fd, text.data(), text.size());
  int err = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) {
    return InternalError("write '" + text + "' to " + path.string() + ": " + std::strerror(err));
  }
  return Status::Ok();
}

std::string ReadTrimmed(const fs::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  return value;
}

// cgroup v1 cpuset: a child starts with no cpus and mems and refuses tasks until given some.
Status InheritCpuset(const fs::path& parent, const fs::path& child) {
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    if (!fs::exists(parent / file) || !ReadTrimmed(child / file).empty()) continue;
    CURVE_RETURN_IF_ERROR(WriteFile(child / file, ReadTrimmed(parent / file)));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> PrepareCgroups(const std::string& root, const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos) {
    return InvalidArgumentError("cgroup name '" + name + "': expected one path component");
  }
  std::vector<fs::path> hierarchies;
  std::error_code ec;
  if (IsCgroup(root)) {
    hierarchies.push_back(root);
  } else {
    for (const auto& entry : fs::directory_iterator(root, ec)) {
      std::error_code entry_ec;
      if (entry.is_symlink(entry_ec) || !entry.is_directory(entry_ec)) continue;
      if (IsCgroup(entry.path())) hierarchies.push_back(entry.path());
    }
  }
  if (ec) return InvalidArgumentError("cgroup root " + root + ": " + ec.message());
  if (hierarchies.empty()) {
    return InvalidArgumentError("cgroup root " + root +
                                " holds no cgroup hierarchy (expected the host's /sys/fs/cgroup: a "
                                "cgroup2 mount or directories of cgroup v1 mounts)");
  }
  std::vector<std::string> cgroups;
  for (const auto& hierarchy : hierarchies) {
    fs::path dir = hierarchy / name;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return InternalError("create cgroup " + dir.string() + ": " + std::strerror(errno));
    }
    CURVE_RETURN_IF_ERROR(InheritCpuset(hierarchy, dir));
    cgroups.push_back(dir.string());
  }
  return cgroups;
}

Status JoinCgroups(pid_t pid, const std::vector<std::string>& cgroups) {
  for (const auto& cgroup : cgroups) {
    CURVE_RETURN_IF_ERROR(
        WriteFile(fs::path(cgroup) / "cgroup.procs", std::to_string(pid))
            .WithContext("move pid " + std::to_string(pid) + " to cgroup " + cgroup));
  }
  return Status::Ok();
}

}  // namespace curve::attach
