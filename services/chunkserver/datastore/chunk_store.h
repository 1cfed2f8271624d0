#pragma once

// ChunkStore: the chunks of one disk, each a fixed-size file taken from the FilePool.
//
// Layout under the data dir (beside the pool, see file_pool.h; names in chunk_file_name.h):
//   chunks/chunk_<id>              a chunk: a header page (chunk_header.h), then chunk_size bytes
//   chunks/chunk_<id>.snap_<seq>   its preserved copy (copy-on-write), the same layout, the header
//                                  saying so and naming the snapshot sequence <seq>
//   chunks/<either>.taking         a file being created; returned to the pool by Open
//
// Creating a chunk: the pool renames a clean file to chunk_<id>.taking, the header page is written
// and synced, then the file is renamed to chunk_<id> and the directory synced. A crash anywhere
// leaves either no trace, a .taking file (returned to the pool as dirty at the next Open), or a
// complete chunk. Delete renames the file back into the pool. Writes never extend a file.
//
// Copy-on-write snapshots (proto/chunkserver/chunk.proto). A Write whose sequence is above the
// chunk's first preserves the chunk: a pool file is taken as <copy>.taking, the chunk's data is
// copied into it in 1 MiB blocks (all-zero blocks are skipped: pool files are zeroed), it is
// synced, renamed to chunk_<id>.snap_<old sequence> and the directory synced; only then is the
// chunk's new sequence written (and synced) into its header. A chunk has at most one copy: with
// one already there the sequence is only raised. A crash leaves no copy, a .taking file, or a
// complete copy (which a replayed write keeps); a chunk at sequence 0 (old clients) is preserved
// at `sequence - 1`, and not at all for sequence 1 (no snapshot precedes it). Copies are found
// again by Open; one without its chunk is returned to the pool.
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
// the same chunk is not defined. A ReadSnapshot excludes (per chunk) the writes that raise the
// sequence and DeleteSnapshot, so it never sees a half-made transition; plain writes do not wait.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
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
  uint64_t snapshot_sequence = 0;  // the sequence of the chunk's preserved copy; 0: none
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
  // it does not exist. A `sequence` above the chunk's first preserves the chunk (see above; pool
  // exhausted: RESOURCE_EXHAUSTED, nothing changed) and is then recorded in its header.
  Status Write(ChunkId id, uint64_t offset, std::string_view data, uint64_t sequence = 0);

  // Whether a Write at `sequence` would take a file from the pool: the chunk does not exist, or
  // the write would preserve it.
  bool WouldTakePoolFile(ChunkId id, uint64_t sequence) const;

  // Reads `length` bytes at `offset`.
  Result<std::string> Read(ChunkId id, uint64_t offset, size_t length);
  // The same into `out` (length bytes; any alignment).
  Status ReadInto(ChunkId id, uint64_t offset, size_t length, char* out);

  // Reads the chunk as it was in snapshot `sequence` into `out`: its preserved copy when it has
  // one and its sequence is above `sequence`; the chunk itself when its sequence is not above
  // `sequence`. False (nothing read) when the chunk did not exist in that snapshot. DATA_LOSS when
  // the copy needed is corrupt; NOT_FOUND when there is no such chunk.
  Result<bool> ReadSnapshotInto(ChunkId id, uint64_t sequence, uint64_t offset, size_t length,
                                char* out);

  // Reads the chunk's preserved copy and returns the copy's sequence. NOT_FOUND when it has none.
  Result<uint64_t> ReadPreservedInto(ChunkId id, uint64_t offset, size_t length, char* out);

  // Writes into the chunk's preserved copy at `sequence`, creating it (zero-filled, from the pool)
  // when the chunk has none and dropping first a copy at another sequence: installs a copy
  // received from another replica. NOT_FOUND when the chunk does not exist.
  Status WritePreserved(ChunkId id, uint64_t sequence, uint64_t offset, std::string_view data);

  // Ends snapshot `sequence` for the chunk: returns its preserved copy to the pool unless the
  // chunk's sequence is above `sequence + 1` (the copy then belongs to a later snapshot and is
  // kept); when it has none and its sequence is not above `sequence`, raises its sequence to
  // `sequence + 1`.
  // NOT_FOUND when there is no such chunk.
  Status DeleteSnapshot(ChunkId id, uint64_t sequence);

  // Returns the chunk's file and its preserved copy to the pool. NOT_FOUND when there is no such
  // chunk.
  Status Delete(ChunkId id);

  Result<ChunkInfo> GetInfo(ChunkId id);

  // Every healthy chunk, ordered by id.
  std::vector<ChunkInfo> ListChunks() const;

  // Makes the chunk's (or every chunk's) completed writes durable.
  Status Sync(ChunkId id);
  Status SyncAll();

  // DATA_LOSS statuses of the chunk files (and preserved copies) found corrupt by Open, each
  // naming its file.
  std::vector<Status> Problems() const;

  // The space chunks can take: capacity is every chunk file, in use or free in the pool (a chunk
  // never grows past the pool), used is the files chunks and their preserved copies hold; both in
  // bytes of chunk data.
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
  std::string PreservedPath(ChunkId id, uint64_t sequence) const;

 private:
  struct Chunk;

  ChunkStore(ChunkStoreOptions options, fs::FileSystem* fs, std::unique_ptr<FilePool> pool);

  Status Recover();
  // Attaches a preserved copy found by Recover to its chunk (or returns an orphan to the pool).
  Status RecoverPreserved(const std::string& name, ChunkId id, uint64_t sequence);
  Status CheckRange(ChunkId id, uint64_t offset, size_t length) const;
  Result<std::shared_ptr<Chunk>> Find(ChunkId id) const;
  Result<std::shared_ptr<Chunk>> FindOrCreate(ChunkId id, uint64_t sequence);
  Result<std::shared_ptr<fs::File>> FileOf(Chunk& chunk);
  Result<std::shared_ptr<fs::File>> PreservedFileOf(Chunk& chunk);
  // Writes the chunk's header with `sequence` (synced) and records it. Caller holds chunk.cow.
  Status SetSequence(Chunk& chunk, fs::File* file, uint64_t sequence);
  // Write's copy-on-write step: preserves the chunk when `sequence` is above its own.
  Status RaiseSequence(Chunk& chunk, fs::File* file, uint64_t sequence);
  // Takes a pool file and makes it the chunk's copy at `sequence`: a copy of `source`'s data,
  // or zeros when `source` is null. Caller holds chunk.cow exclusively; the chunk has no copy.
  Status CreatePreserved(Chunk& chunk, uint64_t sequence, fs::File* source);
  // Returns the chunk's copy (if any) to the pool. Caller holds chunk.cow exclusively.
  Status DropPreserved(Chunk& chunk);
  Status WriteHeader(fs::File* file, const ChunkHeader& header);
  ChunkHeader HeaderFor(ChunkId id, uint64_t sequence, ChunkHeader::Kind kind) const;
  // Positional IO of chunk data (`offset` within the data, after the header page) through an
  // aligned bounce buffer when direct IO needs one.
  Status ReadData(fs::File& file, uint64_t offset, size_t length, char* out) const;
  Status WriteData(fs::File& file, uint64_t offset, std::string_view data) const;
  fs::OpenOptions FileOptions() const;

  const ChunkStoreOptions options_;
  fs::FileSystem* const fs_;
  const std::unique_ptr<FilePool> pool_;
  const std::string chunk_dir_;

  mutable std::mutex mu_;
  std::map<ChunkId, std::shared_ptr<Chunk>> chunks_;  // guarded by mu_
  std::atomic<uint64_t> preserved_count_{0};          // copies holding a pool file
};

}  // namespace curve::chunkserver
