#include "csi/node/loop_file_attacher.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "csi/util/exec.h"

namespace curve::csi {
namespace {

constexpr int64_t kDefaultSize = int64_t{10} << 30;

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string Canonical(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) != nullptr) return resolved;
  return path;
}

int64_t DeviceSize(const std::string& device) {
  std::string name = device.substr(device.rfind('/') + 1);
  std::ifstream size("/sys/block/" + name + "/size");
  int64_t sectors = 0;
  size >> sectors;
  return sectors * 512;
}

}  // namespace

std::map<std::string, std::string> LoopDevicesUnder(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::string prefix = Canonical(dir) + "/";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/block", ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    std::ifstream backing(entry.path() / "loop" / "backing_file");
    std::string file;
    if (!backing || !std::getline(backing, file)) continue;
    if (file.rfind(prefix, 0) == 0) out["/dev/" + name] = file;
  }
  return out;
}

LoopFileAttacher::LoopFileAttacher(std::string dir) : dir_(std::move(dir)) {}

std::string LoopFileAttacher::FileOf(const std::string& volume_id) const {
  return dir_ + "/" + volume_id + ".img";
}

Result<std::string> LoopFileAttacher::FindLoop(const std::string& file) {
  std::string want = Canonical(file);
  for (const auto& [device, backing] : LoopDevicesUnder(dir_)) {
    if (backing == want) return device;
  }
  return std::string();
}

Result<std::string> LoopFileAttacher::Attach(const AttachRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return InternalError("create " + dir_ + ": " + ec.message());
  std::string file = FileOf(request.volume_id);
  int fd = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("open " + file + ": " + std::strerror(errno));
  struct stat st {};
  fstat(fd, &st);
  int64_t size = request.size_bytes > 0 ? request.size_bytes : kDefaultSize;
  if (st.st_size < size && ftruncate(fd, size) != 0) {
    int error = errno;
    close(fd);
    return InternalError("truncate " + file + ": " + std::strerror(error));
  }
  close(fd);
  CURVE_ASSIGN_OR_RETURN(std::string device, FindLoop(file));
  if (!device.empty()) return device;
  CURVE_ASSIGN_OR_RETURN(auto output,
                         RunChecked({"losetup", "--find", "--show", "--direct-io=on", file}));
  return Trim(output);
}

Status LoopFileAttacher::Detach(const std::string& volume_id) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_ASSIGN_OR_RETURN(std::string device, FindLoop(FileOf(volume_id)));
  if (device.empty()) return Status::Ok();
  return RunChecked({"losetup", "-d", device}).status();
}

Result<std::map<std::string, std::string>> LoopFileAttacher::ListAttached() {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& [device, backing] : LoopDevicesUnder(dir_)) {
    std::string name = backing.substr(backing.rfind('/') + 1);
    if (name.size() > 4 && name.substr(name.size() - 4) == ".img") {
      out[name.substr(0, name.size() - 4)] = device;
    }
  }
  return out;
}

Result<int64_t> LoopFileAttacher::Refresh(const std::string& volume_id, int64_t size_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string file = FileOf(volume_id);
  CURVE_ASSIGN_OR_RETURN(std::string device, FindLoop(file));
  if (device.empty()) return NotFoundError("volume " + volume_id + " is not attached");
  struct stat st {};
  if (stat(file.c_str(), &st) != 0) return InternalError("stat " + file + ": " + strerror(errno));
  if (st.st_size < size_bytes && truncate(file.c_str(), size_bytes) != 0) {
    return InternalError("truncate " + file + ": " + std::strerror(errno));
  }
  CURVE_RETURN_IF_ERROR(RunChecked({"losetup", "-c", device}).status());
  return DeviceSize(device);
}

Status LoopFileAttacher::Check(const std::string& volume_id) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_ASSIGN_OR_RETURN(std::string device, FindLoop(FileOf(volume_id)));
  if (device.empty()) return NotFoundError("volume " + volume_id + " is not attached");
  return Status::Ok();
}

}  // namespace curve::csi
