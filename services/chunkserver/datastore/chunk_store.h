#pragma once

// ChunkStore: the chunks of one disk, each a fixed-size file taken from the FilePool.
//
// Layout under the data dir (beside the pool, see file_pool.h):
//   chunks/chunk_<id>          a chunk: a header page (chunk_header.h), then chunk_size bytes
//   chunks/chunk_<id>.taking   a chunk being created; returned to the pool by Open (crash safety)
//
// Creating a chunk: the pool renames a clean file to chunk_<id>.taking, the header page is written
// and synced, then the file is renamed to chunk_<id> and the directory synced. A crash anywhere
// leaves either no trace, a .taking file (returned to the pool as dirty at the next Open), or a
// complete chunk. Delete renames the file back into the pool. Writes never extend a file.
//
// Errors: misaligned offset or length → INVALID_ARGUMENT; beyond the chunk → OUT_OF_RANGE; a chunk
// that does not exist (or whose file vanished) → NOT_FOUND naming the file; a chunk whose header
// is corrupt or whose size is wrong → DATA_LOSS naming the file (never zeroed or reused); pool
// exhausted → RESOURCE_EXHAUSTED; disk full → RESOURCE_EXHAUSTED "disk full"; a write with a
// sequence older than the chunk's → FAILED_PRECONDITION.
//
// Thread-safety: all methods are thread-safe. Reads and writes of distinct chunks proceed in
// parallel (positional IO, no lock held), also while another chunk is being created. Callers order
// the operations on one chunk (the raft apply loop of its copyset does); a Delete racing a Write of
// the same chunk is not defined.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/fs/file_system.h"
#include "common/result.h"
#include "services/chunkserver/datastore/chunk_header.h"
#include "services/chunkserver/datastore/file_pool.h"

namespace curve::chunkserver {

struct ChunkStoreOptions {
  std::string data_dir;        // formatted by FilePool::Format
  uint32_t block_size = 4096;  // IO alignment of offsets and lengths: 4096, or 512
  bool direct_io = true;       // O_DIRECT chunk files: IO bypasses the page cache
  bool sync_writes = false;    // O_DSYNC: a Write is durable when it returns (else Sync/SyncAll)
};

struct ChunkInfo {
  ChunkId id = 0;
  uint64_t size = 0;      // data bytes (the chunk size)
  uint64_t sequence = 0;  // volume sequence number of the last write (copy-on-write snapshots)
  std::string path;       // the chunk file, for raft snapshots that list files
};

class ChunkStore {
 public:
  // Opens the pool and the chunk namespace, returns half-created chunks to the pool and checks
  // every chunk file's header and size. Corrupt chunks do not fail Open: they are listed by
  // Problems() and every operation on them answers DATA_LOSS. `fs` must outlive the store.
  static Result<std::unique_ptr<ChunkStore>> Open(const ChunkStoreOptions& options,
                                                  fs::FileSystem* fs);
  static Result<std::unique_ptr<ChunkStore>> Open(const ChunkStoreOptions& options);

  ~ChunkStore();

  // Writes `data` at `offset` of the chunk, creating the chunk (from the pool, zero-filled) when
  // it does not exist. A `sequence` above the chunk's is recorded in its header first.
  Status Write(ChunkId id, uint64_t offset, std::string_view data, uint64_t sequence = 0);

  // Reads `length` bytes at `offset`.
  Result<std::string> Read(ChunkId id, uint64_t offset, size_t length);
  // The same into `out` (length bytes; any alignment).
  Status ReadInto(ChunkId id, uint64_t offset, size_t length, char* out);

  // Returns the chunk's file to the pool. NOT_FOUND when there is no such chunk.
  Status Delete(ChunkId id);

  Result<ChunkInfo> GetInfo(ChunkId id);

  // Every healthy chunk, ordered by id.
  std::vector<ChunkInfo> ListChunks() const;

  // Makes the chunk's (or every chunk's) completed writes durable.
  Status Sync(ChunkId id);
  Status SyncAll();

  // DATA_LOSS statuses of the chunk files found corrupt by Open, each naming its file.
  std::vector<Status> Problems() const;

  // The space chunks can take: capacity is every chunk file, in use or free in the pool (a chunk
  // never grows past the pool), used is the files chunks hold; both in bytes of chunk data.
  // This, not the file system's usage, is what the MDS's pool usage limit is about: a
  // formatted pool makes the file system look full while no chunk is written yet.
  struct Space {
    uint64_t capacity_bytes = 0;
    uint64_t used_bytes = 0;
  };
  Space ChunkSpace() const;

  FilePool* pool() { return pool_.get(); }
  uint64_t chunk_size() const { return pool_->chunk_size(); }
  std::string ChunkPath(ChunkId id) const;

 private:
  struct Chunk;

  ChunkStore(ChunkStoreOptions options, fs::FileSystem* fs, std::unique_ptr<FilePool> pool);

  Status Recover();
  Status CheckRange(ChunkId id, uint64_t offset, size_t length) const;
  Result<std::shared_ptr<Chunk>> Find(ChunkId id) const;
  Result<std::shared_ptr<Chunk>> FindOrCreate(ChunkId id, uint64_t sequence);
  Result<std::shared_ptr<fs::File>> FileOf(Chunk& chunk);
  Status WriteHeader(fs::File* file, const ChunkHeader& header);
  fs::OpenOptions FileOptions() const;

  const ChunkStoreOptions options_;
  fs::FileSystem* const fs_;
  const std::unique_ptr<FilePool> pool_;
  const std::string chunk_dir_;

  mutable std::mutex mu_;
  std::map<ChunkId, std::shared_ptr<Chunk>> chunks_;  // guarded by mu_
};

}  // namespace curve::chunkserver
