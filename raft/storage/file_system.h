#pragma once

// FileSystem: the storage library's only door to the disk, so tests can substitute a fake that
// loses unsynced data, tears writes and fails chosen operations (testing/
// fault_injection_file_system.h). PosixFileSystem is the production implementation.
//
// Durability model every implementation follows (and the write-ahead log relies on):
//   - File::Write data survives a crash only after a later File::Sync of the same file returns OK;
//     before that, any prefix of the unsynced writes may survive, the last one possibly torn.
//   - Creating, renaming and removing a name survive a crash only after SyncDir of its directory.
//   - Directories created by CreateDir are durable at once (they are made once, at setup).
//
// Errors name the operation and the path. Thread-safety: a FileSystem and distinct Files may be
// used from any thread; one File may take concurrent Reads alongside one writer.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace curve::raft {

class File {
 public:
  virtual ~File() = default;

  // Writes all of `data` at `offset`, extending the file as needed.
  virtual Status Write(uint64_t offset, std::string_view data) = 0;

  // Reads up to `n` bytes at `offset` into *out (replacing its contents); fewer only at the end
  // of the file.
  virtual Status Read(uint64_t offset, size_t n, std::string* out) const = 0;

  // Makes every completed Write and Truncate durable (fdatasync).
  virtual Status Sync() = 0;

  virtual Status Truncate(uint64_t size) = 0;

  virtual Result<uint64_t> Size() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens `path` for reading and writing. A missing file is created empty when `create` is set,
  // NotFound otherwise.
  virtual Result<std::unique_ptr<File>> Open(const std::string& path, bool create) = 0;

  // Atomically replaces `to` (if it exists) by `from`.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;

  // Removes a file. NotFound when it does not exist.
  virtual Status Remove(const std::string& path) = 0;

  // The names (not paths) of the files in `dir`, in no particular order.
  virtual Result<std::vector<std::string>> List(const std::string& dir) = 0;

  // Creates `dir` and any missing parents; OK when it exists.
  virtual Status CreateDir(const std::string& dir) = 0;

  // Makes the creations, renames and removals of names in `dir` durable (fsync of the directory).
  virtual Status SyncDir(const std::string& dir) = 0;
};

// "dir/name" (no doubled separator).
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace curve::raft
