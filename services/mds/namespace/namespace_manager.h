#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "proto/mds/namespace.pb.h"
#include "services/mds/common/clock.h"
#include "services/mds/namespace/namespace_store.h"
#include "services/mds/topology/topology_manager.h"

namespace curve::mds {

struct NamespaceOptions {
  uint64_t min_volume_size = 10ull << 30;  // 10 GiB
  uint64_t max_volume_size = 20ull << 40;  // 20 TiB
  uint64_t segment_size = 1ull << 30;      // 1 GiB
  uint32_t chunk_size = 16u << 20;         // 16 MiB
  uint32_t block_size = 4096;
  double pool_usage_limit = 0.85;  // pools used above this take no new segments
  std::chrono::seconds session_ttl{10};
  // Deleted volumes stay in the recycle bin this long, then are purged (0: forever).
  std::chrono::milliseconds recycle_retention{std::chrono::hours(24 * 7)};
};

// The logical pools of a poolset (NOT_FOUND when the poolset does not exist).
using PoolLookup = std::function<Result<std::vector<PoolView>>(const std::string& poolset)>;

// The volume namespace: directories and volumes addressed by absolute paths ("/a/vol"), owned
// by users; user "root" may change anything, other users only what they own. Every method
// validates its input first (INVALID_ARGUMENT naming the field), then works through the store
// with compare-and-swap, so concurrent callers and MDS replicas never corrupt it. Thread-safe.
class NamespaceManager {
 public:
  NamespaceManager(NamespaceStore& store, PoolLookup pools, const Clock& clock,
                   NamespaceOptions options);

  // Volumes: size within the bounds and a multiple of the segment size; the poolset must exist
  // (empty: `default`). Directories: size 0. ALREADY_EXISTS when the path exists, NOT_FOUND
  // when the parent does not.
  Result<FileInfo> Create(const std::string& user, const std::string& path, FileType type,
                          uint64_t size, const std::string& poolset);
  Result<FileInfo> Stat(const std::string& user, const std::string& path);
  Result<std::vector<FileInfo>> List(const std::string& user, const std::string& path);
  Result<FileInfo> Rename(const std::string& user, const std::string& path,
                          const std::string& new_path);
  // Grows a volume; a smaller or equal size is INVALID_ARGUMENT.
  Result<FileInfo> Extend(const std::string& user, const std::string& path, uint64_t new_size);
  // Volumes go to the recycle bin unless `purge`; directories must be empty. An open volume is
  // FAILED_PRECONDITION, and so is a volume with a snapshot (naming it: the snapshot service
  // finishes or deletes it first).
  Status Delete(const std::string& user, const std::string& path, bool purge);
  Result<std::vector<FileInfo>> ListRecycleBin(const std::string& user);
  Status Purge(const std::string& user, uint64_t file_id);
  // Moves a recycled file back to `new_path` (empty: the path it was deleted from), with its
  // id and segments. NOT_FOUND when it is not in the recycle bin or the parent directory is
  // missing; ALREADY_EXISTS when the path is taken; INVALID_ARGUMENT naming new_path.
  Result<FileInfo> Recover(const std::string& user, uint64_t file_id, const std::string& new_path);
  // Purges every recycled file deleted more than `options().recycle_retention` ago; returns how
  // many. Called periodically by the leader; a zero retention keeps files forever.
  Result<int> PurgeExpired();

  // Deletes the chunks of purged volumes (garbage) on the chunkservers through
  // `delete_chunk(logical_pool, copyset, chunk)`, which returns OK once the chunk is gone
  // (also for a chunk never written). A segment is forgotten once all its chunks are gone, a
  // purged volume once no segment is left; the rest is retried on the next call. At most
  // `max_chunks` calls per run. Returns how many chunks were deleted. Called by the leader.
  using ChunkDeleter =
      std::function<Status(uint32_t logical_pool, uint32_t copyset, uint64_t chunk)>;
  Result<int> CollectGarbage(const ChunkDeleter& delete_chunk, int max_chunks);

  // The segment at `offset` (a multiple of the segment size, below the volume size). When it
  // was never written and `allocate`, allocates it in the least used logical pool of the
  // volume's poolset below the usage limit, spreading chunks over its copysets round-robin;
  // concurrent allocations of one segment all get the same answer. NOT_FOUND when not
  // allocated and !allocate; RESOURCE_EXHAUSTED when every pool is above the usage limit;
  // FAILED_PRECONDITION when the poolset has no copysets yet.
  Result<SegmentInfo> GetOrAllocateSegment(const std::string& user, const std::string& path,
                                           uint64_t offset, bool allocate);

  // Opens a volume for writing. A second open while the session lives is FAILED_PRECONDITION
  // naming the holder. The session expires unless refreshed within session_ttl.
  Result<std::pair<FileInfo, SessionInfo>> Open(const std::string& user, const std::string& path,
                                                const std::string& client);
  // Renews the session; a non-zero `sequence` is the volume sequence the holder now writes with
  // (no write with an older one in flight), stored in the session when it changed. Returns the
  // volume's current sequence: a holder writing with an older one switches to it.
  Result<uint64_t> Refresh(const std::string& user, const std::string& path,
                           const std::string& session_id, uint64_t sequence = 0);
  Status Close(const std::string& user, const std::string& path, const std::string& session_id);

  // Copy-on-write snapshots (proto/mds/namespace.proto), at most one per volume, kept across
  // renames (keyed by file id; answers carry the current path). CreateSnapshot raises the
  // volume's sequence by one and records a snapshot at the old sequence in one transaction;
  // FAILED_PRECONDITION naming the existing snapshot's sequence when there is one. Owners
  // create and delete, anyone lists.
  Result<SnapshotInfo> CreateSnapshot(const std::string& user, const std::string& path);
  // The volume's snapshots (0 or 1) with their state: READY when no session holds the volume or
  // its holder reported a sequence above the snapshot's, else PENDING.
  Result<std::vector<SnapshotInfo>> ListSnapshots(const std::string& user, const std::string& path);
  // NOT_FOUND when the volume has no snapshot at `sequence`.
  Status DeleteSnapshot(const std::string& user, const std::string& path, uint64_t sequence);

  const NamespaceOptions& options() const { return options_; }

 private:
  // Resolves a path to its record; the root is a synthetic directory with id 0.
  Result<FileRecord> Resolve(const std::vector<std::string>& components, const std::string& path);
  Result<FileRecord> ResolveVolume(const std::string& user, const std::string& path,
                                   bool for_write);

  NamespaceStore& store_;
  PoolLookup pools_;
  const Clock& clock_;
  NamespaceOptions options_;
  std::mutex mu_;
  std::map<uint32_t, size_t> next_copyset_;  // round-robin cursor per logical pool
};

// Splits "/a/b" into {"a", "b"}; INVALID_ARGUMENT naming `field` unless the path is absolute,
// without empty, "." or ".." components, each a valid name of at most 255 characters.
Result<std::vector<std::string>> SplitPath(std::string_view field, const std::string& path);

// A volume's sequence; volumes stored before sequences existed have 0 and count as 1.
inline uint64_t VolumeSequence(const FileInfo& file) {
  return file.sequence() == 0 ? 1 : file.sequence();
}

}  // namespace curve::mds
