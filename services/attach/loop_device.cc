#include "services/attach/loop_device.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

namespace curve::attach {
namespace {

Status Errno(int err, const std::string& what) {
  std::string message = what + ": " + std::strerror(err);
  if (err == ENOENT || err == ENXIO) return NotFoundError(message);
  if (err == EBUSY) return FailedPreconditionError(message);
  if (err == EACCES || err == EPERM) return PermissionDeniedError(message);
  return InternalError(message);
}

// "/dev/loop3" -> "loop3".
std::string DeviceName(const std::string& device) {
  size_t slash = device.rfind('/');
  return slash == std::string::npos ? device : device.substr(slash + 1);
}

std::string ReadSysfs(const std::string& device, const std::string& attribute) {
  std::ifstream in("/sys/block/" + DeviceName(device) + "/loop/" + attribute);
  std::string value;
  std::getline(in, value);
  return value;
}

}  // namespace

Result<std::string> LoopBackingFile(const std::string& device) {
  std::string file = ReadSysfs(device, "backing_file");
  if (file.empty()) return NotFoundError("loop device " + device + " is not bound");
  return file;
}

bool LoopDeviceBusy(const std::string& device) {
  int fd = ::open(device.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return false;
  }
  return errno == EBUSY;
}

Result<LoopAttachment> AttachLoop(const std::string& file, uint32_t block_size, bool direct_io) {
  int control = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (control < 0) return Errno(errno, "open /dev/loop-control");
  Status last = InternalError("no loop device could be bound");
  for (int attempt = 0; attempt < 20; attempt++) {
    int number = ::ioctl(control, LOOP_CTL_GET_FREE);
    if (number < 0) {
      last = Errno(errno, "find a free loop device");
      break;
    }
    std::string device = "/dev/loop" + std::to_string(number);
    int loop_fd = -1;
    for (int wait = 0; wait < 100 && loop_fd < 0; wait++) {  // devtmpfs creates the node
      loop_fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
      if (loop_fd < 0 && errno != ENOENT) break;
      if (loop_fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (loop_fd < 0) {
      last = Errno(errno, "open " + device);
      continue;
    }
    bool use_dio = direct_io;
    int file_fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC | (use_dio ? O_DIRECT : 0));
    if (file_fd < 0 && use_dio && errno == EINVAL) {
      use_dio = false;
      file_fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
    }
    if (file_fd < 0) {
      Status status = Errno(errno, "open " + file);
      ::close(loop_fd);
      ::close(control);
      return status;
    }
    struct loop_config config;
    std::memset(&config, 0, sizeof(config));
    config.fd = static_cast<__u32>(file_fd);
    config.block_size = block_size;
    config.info.lo_flags = use_dio ? LO_FLAGS_DIRECT_IO : 0;
    std::strncpy(reinterpret_cast<char*>(config.info.lo_file_name), file.c_str(), LO_NAME_SIZE - 1);
    int rc = ::ioctl(loop_fd, LOOP_CONFIGURE, &config);
    if (rc != 0 && errno == EINVAL && use_dio) {
      use_dio = false;
      config.info.lo_flags = 0;
      rc = ::ioctl(loop_fd, LOOP_CONFIGURE, &config);
    }
    int err = errno;
    ::close(file_fd);
    ::close(loop_fd);
    if (rc != 0) {
      last = Errno(err, "bind " + device + " to " + file);
      if (err == EBUSY) continue;  // another process took it first
      break;
    }
    ::close(control);
    LoopAttachment attachment;
    attachment.device = device;
    attachment.direct_io = ReadSysfs(device, "dio") == "1";
    return attachment;
  }
  ::close(control);
  return last;
}

Status DetachLoop(const std::string& device, bool wait) {
  int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(errno, "open " + device);
  int rc = ::ioctl(fd, LOOP_CLR_FD, 0);
  int err = errno;
  ::close(fd);
  if (rc != 0 && err != ENXIO) return Errno(err, "detach " + device);
  if (!wait) return Status::Ok();
  // The kernel tears the binding down when the last opener closes; wait for it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (LoopBackingFile(device).ok()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return DeadlineExceededError("detach " + device + ": still bound after 10s (in use?)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::Ok();
}

Result<uint64_t> RefreshLoopCapacity(const std::string& device) {
  int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(errno, "open " + device);
  uint64_t bytes = 0;
  int rc = ::ioctl(fd, LOOP_SET_CAPACITY, 0);
  int err = errno;
  if (rc == 0) {
    rc = ::ioctl(fd, BLKGETSIZE64, &bytes);
    err = errno;
  }
  ::close(fd);
  if (rc != 0) return Errno(err, "refresh capacity of " + device);
  return bytes;
}

}  // namespace curve::attach
