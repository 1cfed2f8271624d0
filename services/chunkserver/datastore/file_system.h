#pragma once

// FileSystem: the datastore's only door to the disk, so tests can substitute a wrapper that fails
// chosen operations (testing/fault_injection_file_system.h). PosixFileSystem is the production
// implementation.
//
// Durability model: File::Write data is durable after File::Sync returns OK (or at once for a
// file opened with `dsync`); creating, renaming and removing names are durable after SyncDir of
// the directory. Errors name the operation and the path; ENOSPC maps to RESOURCE_EXHAUSTED
// ("disk full"), ENOENT to NOT_FOUND, EEXIST to ALREADY_EXISTS.
//
// Thread-safety: a FileSystem and distinct Files may be used from any thread; one File takes
// concurrent positional Reads and Writes (pread/pwrite semantics).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace curve::chunkserver {

struct OpenOptions {
  bool create = false;     // create the file when missing (never truncates an existing one)
  bool exclusive = false;  // with create: ALREADY_EXISTS when the file exists
  bool direct_io = false;  // O_DIRECT: buffers, offsets and lengths must be block aligned
  bool dsync = false;      // O_DSYNC: each Write is durable when it returns
};

class File {
 public:
  virtual ~File() = default;

  // Writes all `n` bytes of `data` at `offset`.
  virtual Status Write(uint64_t offset, const char* data, size_t n) = 0;

  // Reads exactly `n` bytes at `offset` into `buf`; OUT_OF_RANGE when the file ends first.
  virtual Status Read(uint64_t offset, size_t n, char* buf) const = 0;

  // Makes completed Writes durable (fdatasync).
  virtual Status Sync() = 0;

  // Reserves [0, size) on disk (fallocate mode 0, so the range reads as zeros and later writes
  // inside it cannot fail for lack of space). RESOURCE_EXHAUSTED when the disk is full.
  virtual Status Allocate(uint64_t size) = 0;

  virtual Result<uint64_t> Size() const = 0;

  virtual const std::string& path() const = 0;
};

struct SpaceInfo {
  uint64_t total_bytes = 0;
  uint64_t available_bytes = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::unique_ptr<File>> Open(const std::string& path,
                                             const OpenOptions& options) = 0;

  // Renames `from` to `to`; ALREADY_EXISTS when `to` exists (never replaces a file).
  virtual Status Rename(const std::string& from, const std::string& to) = 0;

  // Atomically renames `from` to `to`, replacing `to` when it exists.
  virtual Status Replace(const std::string& from, const std::string& to) = 0;

  // Removes a file; NOT_FOUND when it does not exist.
  virtual Status Remove(const std::string& path) = 0;

  // The names (not paths) of the regular files in `dir`, in no particular order.
  virtual Result<std::vector<std::string>> List(const std::string& dir) = 0;

  virtual bool Exists(const std::string& path) = 0;

  // Creates `dir` and missing parents; OK when it exists.
  virtual Status CreateDir(const std::string& dir) = 0;

  // Makes name changes in `dir` durable (fsync of the directory).
  virtual Status SyncDir(const std::string& dir) = 0;

  // Capacity of the file system holding `path`.
  virtual Result<SpaceInfo> Space(const std::string& path) = 0;
};

// "dir/name" without a doubled separator.
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace curve::chunkserver
