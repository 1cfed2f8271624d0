#pragma once

// PosixFileSystem: FileSystem over POSIX calls (pwrite, pread, fdatasync, rename, unlink, fsync
// of directories). Errors map errno to a Status code: ENOENT NotFound, EEXIST AlreadyExists,
// ENOSPC/EDQUOT ResourceExhausted, EACCES/EPERM PermissionDenied, anything else Internal; the
// message names the call, the path and strerror.

#include <memory>
#include <string>
#include <vector>

#include "raft/storage/file_system.h"

namespace curve::raft {

class PosixFileSystem final : public FileSystem {
 public:
  // A process-wide instance; never destroyed.
  static PosixFileSystem* Default();

  Result<std::unique_ptr<File>> Open(const std::string& path, bool create) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Result<std::vector<std::string>> List(const std::string& dir) override;
  Status CreateDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
};

}  // namespace curve::raft
