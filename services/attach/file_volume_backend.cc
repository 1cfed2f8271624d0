#include "services/attach/file_volume_backend.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace curve::attach {
namespace {

Status Errno(const std::string& op, const std::string& path) {
  int err = errno;
  std::string message = op + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) return NotFoundError(message);
  if (err == ENOSPC) return ResourceExhaustedError("disk full: " + message);
  if (err == EIO) return DataLossError(message);
  return InternalError(message);
}

}  // namespace

namespace {

std::map<std::string, VolumeBackendFactory>& Schemes() {
  static std::map<std::string, VolumeBackendFactory> schemes;
  return schemes;
}

}  // namespace

void RegisterVolumeBackendScheme(const std::string& scheme, VolumeBackendFactory factory) {
  Schemes()[scheme] = std::move(factory);
}

Result<std::unique_ptr<VolumeBackend>> OpenVolumeBackend(const std::string& spec) {
  if (size_t colon = spec.find(':'); colon != std::string::npos) {
    auto it = Schemes().find(spec.substr(0, colon));
    if (it != Schemes().end()) return it->second(spec);
  }
  constexpr std::string_view kFile = "file:";
  if (spec.rfind(kFile, 0) == 0 && spec.size() > kFile.size()) {
    CURVE_ASSIGN_OR_RETURN(auto backend, FileVolumeBackend::Open(spec.substr(kFile.size())));
    return std::unique_ptr<VolumeBackend>(std::move(backend));
  }
  return InvalidArgumentError("backend '" + spec + "': expected file:/path/to/image");
}

Result<std::unique_ptr<FileVolumeBackend>> FileVolumeBackend::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Errno("open volume file", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status status = Errno("stat volume file", path);
    ::close(fd);
    return status;
  }
  if (st.st_size <= 0) {
    ::close(fd);
    return InvalidArgumentError("volume file " + path + " is empty: create it with a size first");
  }
  return std::unique_ptr<FileVolumeBackend>(
      new FileVolumeBackend(fd, path, static_cast<uint64_t>(st.st_size)));
}

FileVolumeBackend::~FileVolumeBackend() { ::close(fd_); }

Result<uint64_t> FileVolumeBackend::Refresh() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return InternalError("stat " + path_ + ": " + std::strerror(errno));
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > size_.load()) size_.store(size);
  return size_.load();
}

Status FileVolumeBackend::CheckRange(uint64_t offset, size_t length) const {
  uint64_t size = size_.load();
  if (offset > size || length > size - offset) {
    return OutOfRangeError("volume " + path_ + ": range [" + std::to_string(offset) + ", " +
                           std::to_string(offset + length) + ") is beyond the size " +
                           std::to_string(size));
  }
  return Status::Ok();
}

Status FileVolumeBackend::Read(uint64_t offset, size_t length, char* out) {
  CURVE_RETURN_IF_ERROR(CheckRange(offset, length));
  while (length > 0) {
    ssize_t n = ::pread(fd_, out, length, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("read", path_);
    if (n == 0) {  // the file shrank underneath us: the tail reads as zeros
      std::memset(out, 0, length);
      break;
    }
    out += n;
    offset += static_cast<uint64_t>(n);
    length -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status FileVolumeBackend::Write(uint64_t offset, size_t length, const char* data) {
  CURVE_RETURN_IF_ERROR(CheckRange(offset, length));
  while (length > 0) {
    ssize_t n = ::pwrite(fd_, data, length, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write", path_);
    data += n;
    offset += static_cast<uint64_t>(n);
    length -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status FileVolumeBackend::Flush() {
  if (::fdatasync(fd_) != 0) return Errno("fdatasync", path_);
  return Status::Ok();
}

}  // namespace curve::attach
