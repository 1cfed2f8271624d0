#pragma once

// FileSystem: the only door to the disk for the storage code (the raft write-ahead log, the
// chunkserver datastore), after LevelDB's Env, so tests can substitute an in-memory disk that
// loses unsynced data, tears writes and fails chosen operations
// (testing/fault_injection_file_system.h). PosixFileSystem is the production implementation.
//
// Durability model every implementation follows (and the write-ahead log relies on):
//   - File::Write data survives a crash only after a later File::Sync of the same file returns OK
//     (or at once for a file opened with `dsync`); before that, any prefix of the unsynced writes
//     may survive, the last one possibly torn. Truncate and Allocate are unsynced writes too.
//   - Creating, renaming and removing a name survive a crash only after SyncDir of its directory.
//   - Directories created by CreateDir are durable at once (they are made once, at setup).
//
// Errors name the operation and the path. Codes: ENOENT NOT_FOUND, EEXIST ALREADY_EXISTS,
// ENOSPC/EDQUOT RESOURCE_EXHAUSTED (message starts "disk full"), EACCES/EPERM/EROFS
// PERMISSION_DENIED, EINVAL INVALID_ARGUMENT, EIO DATA_LOSS, anything else INTERNAL.
//
// Thread-safety: a FileSystem and distinct Files may be used from any thread; one File takes
// concurrent positional Reads and Writes (pread/pwrite semantics).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace curve::fs {

struct OpenOptions {
  bool create = false;     // create the file when missing (never truncates an existing one)
  bool exclusive = false;  // with create: ALREADY_EXISTS when the file exists
  bool direct_io = false;  // O_DIRECT: buffers, offsets and lengths must be block aligned
  bool dsync = false;      // O_DSYNC: each Write is durable when it returns
};

struct SpaceInfo {
  uint64_t total_bytes = 0;
  uint64_t available_bytes = 0;
};

class File {
 public:
  virtual ~File() = default;

  // Writes all of `data` at `offset`, extending the file as needed.
  virtual Status Write(uint64_t offset, std::string_view data) = 0;

  // Reads up to `n` bytes at `offset` into `buf` and returns how many it read: fewer than `n`
  // only when the file ends first (0 at or past the end).
  virtual Result<size_t> Read(uint64_t offset, size_t n, char* buf) const = 0;

  // Makes every completed Write, Truncate and Allocate durable (fdatasync).
  virtual Status Sync() = 0;

  // Sets the size to `size`, dropping or zero-filling the tail.
  virtual Status Truncate(uint64_t size) = 0;

  // Reserves [0, size) on disk (fallocate mode 0: the range reads as zeros where nothing was
  // written, the file never shrinks, and later writes inside it cannot fail for lack of space).
  // RESOURCE_EXHAUSTED when the disk is full.
  virtual Status Allocate(uint64_t size) = 0;

  virtual Result<uint64_t> Size() const = 0;

  // The path the file was opened by.
  virtual const std::string& path() const = 0;
};

// Reads exactly `n` bytes at `offset` into `buf`; OUT_OF_RANGE naming the path when the file ends
// first.
Status ReadExactly(const File& file, uint64_t offset, size_t n, char* buf);

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens `path` for reading and writing as `options` say. A missing file is NOT_FOUND unless
  // `options.create`.
  virtual Result<std::unique_ptr<File>> Open(const std::string& path,
                                             const OpenOptions& options) = 0;

  // Atomically renames `from` to `to`, replacing `to` when it exists (rename(2)).
  virtual Status Rename(const std::string& from, const std::string& to) = 0;

  // Renames `from` to `to`; ALREADY_EXISTS when `to` exists (never replaces a file).
  virtual Status RenameNoReplace(const std::string& from, const std::string& to) = 0;

  // Removes a file; NOT_FOUND when it does not exist.
  virtual Status Remove(const std::string& path) = 0;

  // The names (not paths) of the files in `dir`, directories left out, in no particular order.
  virtual Result<std::vector<std::string>> List(const std::string& dir) = 0;

  // Whether a file or directory exists at `path`.
  virtual bool Exists(const std::string& path) = 0;

  // Creates `dir` and any missing parents; OK when it exists.
  virtual Status CreateDir(const std::string& dir) = 0;

  // Makes the creations, renames and removals of names in `dir` durable (fsync of the directory).
  virtual Status SyncDir(const std::string& dir) = 0;

  // Capacity of the file system holding `path`.
  virtual Result<SpaceInfo> Space(const std::string& path) = 0;
};

// "dir/name" without a doubled separator.
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace curve::fs
