#pragma once

// PosixFileSystem: FileSystem over POSIX calls (pread/pwrite, fdatasync, posix_fallocate,
// rename and renameat2 with RENAME_NOREPLACE, unlink, fsync of directories, statvfs). Errors
// follow the errno mapping of file_system.h; the message names the call, the path and strerror.
// Thread-safe; stateless.

#include <memory>
#include <string>
#include <vector>

#include "common/fs/file_system.h"

namespace curve::fs {

class PosixFileSystem final : public FileSystem {
 public:
  // The process-wide instance; never destroyed.
  static PosixFileSystem* Default();

  Result<std::unique_ptr<File>> Open(const std::string& path, const OpenOptions& options) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status RenameNoReplace(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Result<std::vector<std::string>> List(const std::string& dir) override;
  bool Exists(const std::string& path) override;
  Status CreateDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Result<SpaceInfo> Space(const std::string& path) override;
};

// A Status for a failed system call: "<call> <path>: <strerror>" with the code chosen by errno
// as file_system.h describes.
Status ErrnoStatus(int err, const std::string& call, const std::string& path);

}  // namespace curve::fs
