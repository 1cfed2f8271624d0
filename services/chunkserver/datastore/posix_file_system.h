#pragma once

#include <memory>

#include "services/chunkserver/datastore/file_system.h"

namespace curve::chunkserver {

// FileSystem over POSIX calls (pread/pwrite, fallocate, renameat2 with RENAME_NOREPLACE).
// Thread-safe; stateless.
class PosixFileSystem : public FileSystem {
 public:
  Result<std::unique_ptr<File>> Open(const std::string& path, const OpenOptions& options) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Replace(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Result<std::vector<std::string>> List(const std::string& dir) override;
  bool Exists(const std::string& path) override;
  Status CreateDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Result<SpaceInfo> Space(const std::string& path) override;

  // The process-wide instance.
  static PosixFileSystem* Default();
};

// A Status for a failed system call: "<op> <path>: <strerror>" with the code chosen by errno.
Status ErrnoStatus(int err, const std::string& op, const std::string& path);

}  // namespace curve::chunkserver
