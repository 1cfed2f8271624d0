#pragma once

// FilePool: the pre-allocated chunk files of one disk.
//
// Layout under the data dir:
//   chunkfilepool.meta        format record (pool_meta.h)
//   chunkfilepool/<n>         clean files: zeroed, every block written, never taken
//   chunkfilepool/<n>.dirty   files returned by a delete, zeroed again before reuse
//   chunkfilepool/<n>.tmp     a file being formatted (removed when Format resumes)
//
// Format writes zeros over the whole file after reserving it with fallocate. fallocate alone
// would leave "unwritten" extents: every first write to a block would then change extent
// metadata (a journal commit on each fdatasync), so a write would not be a pure overwrite. Writing
// the zeros once at format time makes every later chunk write an in-place overwrite whose
// fdatasync flushes data only, and the disk space is really claimed. Zeros are written with
// O_DIRECT so formatting does not flood the page cache.
//
// Files move by rename only: TakeTo renames a clean file to a name the caller chooses, Return
// renames a file back as dirty, so a chunk write never extends or allocates a file.
//
// Thread-safety: all methods are thread-safe.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/fs/file_system.h"
#include "common/result.h"
#include "services/chunkserver/datastore/pool_meta.h"

namespace curve::chunkserver {

inline constexpr uint64_t kDefaultChunkSize = 16ull << 20;
inline constexpr uint32_t kDefaultMetaPageSize = 4096;

struct FormatOptions {
  uint32_t percent = 80;  // of the file system's total size, bounded by the space available
  uint64_t chunk_size = kDefaultChunkSize;
  uint32_t meta_page_size = kDefaultMetaPageSize;
  uint64_t chunk_count = 0;  // when non-zero: exactly this many files, `percent` is ignored
};

class FilePool {
 public:
  // Pre-allocates the pool under `data_dir` (created when missing). Idempotent: an already
  // formatted dir with the same chunk and meta page size is left as it is (OK, nothing written);
  // a different size is FAILED_PRECONDITION naming both. An interrupted Format resumes to the
  // count it first chose. RESOURCE_EXHAUSTED when the disk fills up; INVALID_ARGUMENT for a
  // chunk size that is not a multiple of 4096 or a percent outside 1..100.
  static Status Format(const std::string& data_dir, const FormatOptions& options,
                       fs::FileSystem* fs);
  static Status Format(const std::string& data_dir, uint32_t percent,
                       uint64_t chunk_size = kDefaultChunkSize);

  // Opens a formatted pool. FAILED_PRECONDITION when the dir is not (completely) formatted,
  // DATA_LOSS when the meta file is corrupt. `fs` must outlive the pool.
  static Result<std::unique_ptr<FilePool>> Open(const std::string& data_dir, fs::FileSystem* fs);

  // Renames a clean file to `target` (which must not exist) and makes both directories durable.
  // When only dirty files remain, one is zeroed first. RESOURCE_EXHAUSTED when the pool is empty.
  Status TakeTo(const std::string& target);

  // Renames `path` (a file of this pool's size, e.g. a deleted chunk) into the pool as dirty.
  Status Return(const std::string& path);

  // Zeroes one dirty file, making it clean (for a background cleaner). Returns whether there was
  // one.
  Result<bool> CleanOne();

  const PoolMeta& meta() const { return meta_; }
  uint64_t chunk_size() const { return meta_.chunk_size; }
  uint32_t meta_page_size() const { return meta_.meta_page_size; }
  uint64_t file_size() const { return meta_.file_size(); }
  size_t clean_count() const;
  size_t dirty_count() const;
  // Files currently in the pool, clean or dirty.
  size_t free_count() const;

  static std::string PoolDir(const std::string& data_dir);
  static std::string MetaPath(const std::string& data_dir);

 private:
  FilePool(std::string data_dir, fs::FileSystem* fs, PoolMeta meta);

  // Writes zeros over the whole of the file at `path` and syncs it.
  Status Zero(const std::string& path);
  Result<bool> CleanOneLocked();

  const std::string data_dir_;
  const std::string pool_dir_;
  fs::FileSystem* const fs_;
  const PoolMeta meta_;

  mutable std::mutex mu_;
  std::vector<uint64_t> clean_;  // file numbers, guarded by mu_
  std::vector<uint64_t> dirty_;  // guarded by mu_
  uint64_t next_number_ = 0;     // guarded by mu_
};

}  // namespace curve::chunkserver
