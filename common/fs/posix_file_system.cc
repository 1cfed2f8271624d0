#include "common/fs/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace curve::fs {

Status ErrnoStatus(int err, const std::string& call, const std::string& path) {
  std::string message = call + " " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFoundError(std::move(message));
    case EEXIST:
      return AlreadyExistsError(std::move(message));
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError("disk full: " + message);
    case EACCES:
    case EPERM:
    case EROFS:
      return PermissionDeniedError(std::move(message));
    case EINVAL:
      return InvalidArgumentError(std::move(message));
    case EIO:
      return DataLossError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

namespace {

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }

  Status Write(uint64_t offset, std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "pwrite", path_);
      }
      data.remove_prefix(static_cast<size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  }

  Result<size_t> Read(uint64_t offset, size_t n, char* buf) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "pread", path_);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus(errno, "fdatasync", path_);
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return ErrnoStatus(errno, "ftruncate", path_);
    }
    return Status::Ok();
  }

  Status Allocate(uint64_t size) override {
    int err = ::posix_fallocate(fd_, 0, static_cast<off_t>(size));
    if (err != 0) return ErrnoStatus(err, "fallocate", path_);
    return Status::Ok();
  }

  Result<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoStatus(errno, "fstat", path_);
    return static_cast<uint64_t>(st.st_size);
  }

  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

}  // namespace

PosixFileSystem* PosixFileSystem::Default() {
  static auto* fs = new PosixFileSystem();
  return fs;
}

Result<std::unique_ptr<File>> PosixFileSystem::Open(const std::string& path,
                                                    const OpenOptions& options) {
  int flags = O_RDWR | O_CLOEXEC | O_NOATIME;
  if (options.create) flags |= O_CREAT;
  if (options.create && options.exclusive) flags |= O_EXCL;
  if (options.direct_io) flags |= O_DIRECT;
  if (options.dsync) flags |= O_DSYNC;
  int fd = ::open(path.c_str(), flags, 0644);
  // O_NOATIME needs ownership of the file; retry without it.
  if (fd < 0 && errno == EPERM) fd = ::open(path.c_str(), flags & ~O_NOATIME, 0644);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  return std::unique_ptr<File>(new PosixFile(fd, path));
}

Status PosixFileSystem::Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus(errno, "rename", from + " -> " + to);
  }
  return Status::Ok();
}

Status PosixFileSystem::RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    return ErrnoStatus(errno, "rename", from + " -> " + to);
  }
  return Status::Ok();
}

Status PosixFileSystem::Remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return ErrnoStatus(errno, "unlink", path);
  return Status::Ok();
}

Result<std::vector<std::string>> PosixFileSystem::List(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, "opendir", dir);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    bool is_file = e->d_type == DT_REG;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      is_file = ::fstatat(::dirfd(d), e->d_name, &st, 0) == 0 && S_ISREG(st.st_mode);
    }
    if (is_file) names.push_back(std::move(name));
    errno = 0;
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return ErrnoStatus(err, "readdir", dir);
  return names;
}

bool PosixFileSystem::Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Status PosixFileSystem::CreateDir(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, "mkdir", prefix);
    }
  }
  return Status::Ok();
}

Status PosixFileSystem::SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus(err, "fsync", dir);
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

}  // namespace curve::fs
