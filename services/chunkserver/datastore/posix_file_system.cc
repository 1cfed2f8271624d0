#include "services/chunkserver/datastore/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace curve::chunkserver {

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

Status ErrnoStatus(int err, const std::string& op, const std::string& path) {
  std::string message = op + " " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFoundError(message);
    case EEXIST:
      return AlreadyExistsError(message);
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError("disk full: " + message);
    case EACCES:
    case EPERM:
    case EROFS:
      return PermissionDeniedError(message);
    case EINVAL:
      return InvalidArgumentError(message);
    case EIO:
      return DataLossError(message);
    default:
      return InternalError(message);
  }
}

namespace {

class PosixFile : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }

  Status Write(uint64_t offset, const char* data, size_t n) override {
    while (n > 0) {
      ssize_t written = ::pwrite(fd_, data, n, static_cast<off_t>(offset));
      if (written < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "write", path_);
      }
      data += written;
      n -= static_cast<size_t>(written);
      offset += static_cast<uint64_t>(written);
    }
    return Status::Ok();
  }

  Status Read(uint64_t offset, size_t n, char* buf) const override {
    while (n > 0) {
      ssize_t got = ::pread(fd_, buf, n, static_cast<off_t>(offset));
      if (got < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "read", path_);
      }
      if (got == 0) {
        return OutOfRangeError("read " + path_ + ": file ends before offset " +
                               std::to_string(offset + n));
      }
      buf += got;
      n -= static_cast<size_t>(got);
      offset += static_cast<uint64_t>(got);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus(errno, "fdatasync", path_);
    return Status::Ok();
  }

  Status Allocate(uint64_t size) override {
    int err = ::posix_fallocate(fd_, 0, static_cast<off_t>(size));
    if (err != 0) return ErrnoStatus(err, "fallocate", path_);
    return Status::Ok();
  }

  Result<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoStatus(errno, "stat", path_);
    return static_cast<uint64_t>(st.st_size);
  }

  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<File>> PosixFileSystem::Open(const std::string& path,
                                                    const OpenOptions& options) {
  int flags = O_RDWR | O_CLOEXEC | O_NOATIME;
  if (options.create) flags |= O_CREAT;
  if (options.create && options.exclusive) flags |= O_EXCL;
  if (options.direct_io) flags |= O_DIRECT;
  if (options.dsync) flags |= O_DSYNC;
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0 && errno == EPERM) fd = ::open(path.c_str(), flags & ~O_NOATIME, 0644);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  return std::unique_ptr<File>(new PosixFile(fd, path));
}

Status PosixFileSystem::Rename(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    return ErrnoStatus(errno, "rename", from + " -> " + to);
  }
  return Status::Ok();
}

Status PosixFileSystem::Replace(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus(errno, "rename", from + " -> " + to);
  }
  return Status::Ok();
}

Status PosixFileSystem::Remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return ErrnoStatus(errno, "remove", path);
  return Status::Ok();
}

Result<std::vector<std::string>> PosixFileSystem::List(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, "list", dir);
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(d)) {
    if (entry->d_type != DT_REG && entry->d_type != DT_UNKNOWN) continue;
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.push_back(std::move(name));
  }
  ::closedir(d);
  return names;
}

bool PosixFileSystem::Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Status PosixFileSystem::CreateDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ErrnoStatus(ec.value(), "create directory", dir);
  return Status::Ok();
}

Status PosixFileSystem::SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open directory", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus(err, "fsync directory", dir);
  return Status::Ok();
}

Result<SpaceInfo> PosixFileSystem::Space(const std::string& path) {
  struct statvfs st;
  if (::statvfs(path.c_str(), &st) != 0) return ErrnoStatus(errno, "statvfs", path);
  SpaceInfo info;
  info.total_bytes = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
  info.available_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  return info;
}

PosixFileSystem* PosixFileSystem::Default() {
  static PosixFileSystem* instance = new PosixFileSystem();
  return instance;
}

}  // namespace curve::chunkserver
