#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "proto/mds/namespace.pb.h"

namespace curve::etcd {
class EtcdClient;
}

namespace curve::mds {

// A stored file and the version it was read at, for compare-and-swap updates.
struct FileRecord {
  FileInfo info;
  int64_t revision = 0;
};

// Durable storage of the namespace. Every method is atomic: a failure leaves nothing half
// written. Errors: UNAVAILABLE when the backend cannot be reached; ABORTED when a
// compare-and-swap lost against a concurrent writer (the caller re-reads and retries).
// Thread-safe.
class NamespaceStore {
 public:
  virtual ~NamespaceStore() = default;

  virtual Result<std::optional<FileRecord>> GetFile(uint64_t parent_id, std::string_view name) = 0;
  // The files of one directory, by name.
  virtual Result<std::vector<FileInfo>> ListDir(uint64_t parent_id) = 0;
  // Assigns a fresh id to `info` and stores it under (parent_id, name). ALREADY_EXISTS when the
  // name is taken (of concurrent creates of one name exactly one succeeds).
  virtual Result<FileInfo> CreateFile(FileInfo info) = 0;
  // Replaces a file read at `revision`.
  virtual Status UpdateFile(const FileInfo& info, int64_t revision) = 0;
  // Moves `from` (read at `revision`) to the parent and name of `to`; ALREADY_EXISTS when taken.
  virtual Status RenameFile(const FileInfo& from, int64_t revision, const FileInfo& to) = 0;
  // Removes a file read at `revision`. With `recycled`, stores it in the recycle bin in the
  // same transaction; without, the file becomes garbage (see ListGarbage).
  virtual Status RemoveFile(const FileInfo& file, int64_t revision, const FileInfo* recycled) = 0;

  virtual Result<std::vector<FileInfo>> ListRecycled() = 0;
  virtual Result<std::optional<FileInfo>> GetRecycled(uint64_t id) = 0;
  // Removes a file from the recycle bin; it becomes garbage. NOT_FOUND when absent.
  virtual Status PurgeRecycled(uint64_t id) = 0;
  // Moves recycled file `to.id()` back into the namespace as `to` (its parent and name), keeping
  // its segments. NOT_FOUND when it is not in the recycle bin; ALREADY_EXISTS when the name is
  // taken.
  virtual Status RestoreRecycled(const FileInfo& to) = 0;

  virtual Result<std::optional<SegmentInfo>> GetSegment(uint64_t file_id, uint64_t offset) = 0;
  // Stores `segment` unless one exists at its offset; returns whichever is stored.
  virtual Result<SegmentInfo> CreateSegment(const SegmentInfo& segment) = 0;
  // Reserves `count` consecutive chunk ids; returns the first.
  virtual Result<uint64_t> AllocateChunkIds(uint32_t count) = 0;

  // Garbage: removed (purged) files whose segments are kept until their chunks are deleted on
  // the chunkservers. The ids of such files; their segments; forgetting a segment (its chunks
  // are gone) and a garbage file (no segment left).
  virtual Result<std::vector<uint64_t>> ListGarbage() = 0;
  virtual Result<std::vector<SegmentInfo>> ListSegments(uint64_t file_id) = 0;
  virtual Status RemoveSegment(uint64_t file_id, uint64_t offset) = 0;
  virtual Status RemoveGarbage(uint64_t file_id) = 0;

  // Stores a session bound to a lease of `ttl`, filling in lease_id. FAILED_PRECONDITION naming
  // the holder's client when another session holds the file.
  virtual Result<SessionInfo> CreateSession(SessionInfo session, std::chrono::seconds ttl) = 0;
  virtual Result<std::optional<SessionInfo>> GetSession(uint64_t file_id) = 0;
  // Renews the session's lease; when `session.sequence()` is not 0 and differs from the stored
  // one, stores it (the holder reports the volume sequence it writes with). NOT_FOUND when it
  // expired or another session holds the file.
  virtual Status RefreshSession(const SessionInfo& session) = 0;
  // Ends the session. NOT_FOUND when it is not the file's current session.
  virtual Status DeleteSession(const SessionInfo& session) = 0;

  // Snapshots, at most one per volume, keyed by file id. CreateSnapshot replaces the file read
  // at `revision` by `raised` (its sequence raised) and stores `snapshot` in one transaction:
  // ALREADY_EXISTS when the file has a snapshot already, ABORTED when the file changed.
  virtual Status CreateSnapshot(const FileInfo& raised, int64_t revision,
                                const SnapshotInfo& snapshot) = 0;
  virtual Result<std::optional<SnapshotInfo>> GetSnapshot(uint64_t file_id) = 0;
  // Forgets the file's snapshot at `sequence`. NOT_FOUND when it has none at that sequence.
  virtual Status RemoveSnapshot(uint64_t file_id, uint64_t sequence) = 0;
};

// The namespace in etcd under <prefix>ns/: file/<parent>/<name>, recycle/<id>,
// seg/<file>/<offset>, garbage/<id> (empty), session/<file> (bound to an etcd lease),
// snap/<file> (SnapshotInfo), ids/{file,chunk} counters.
// File ids are reserved from the counter in blocks (kFileIdBlock per store), so concurrent
// creates do not contend on it: ids are unique across replicas but neither dense nor ordered.
class EtcdNamespaceStore final : public NamespaceStore {
 public:
  EtcdNamespaceStore(etcd::EtcdClient& client, std::string prefix);

  Result<std::optional<FileRecord>> GetFile(uint64_t parent_id, std::string_view name) override;
  Result<std::vector<FileInfo>> ListDir(uint64_t parent_id) override;
  Result<FileInfo> CreateFile(FileInfo info) override;
  Status UpdateFile(const FileInfo& info, int64_t revision) override;
  Status RenameFile(const FileInfo& from, int64_t revision, const FileInfo& to) override;
  Status RemoveFile(const FileInfo& file, int64_t revision, const FileInfo* recycled) override;
  Result<std::vector<FileInfo>> ListRecycled() override;
  Result<std::optional<FileInfo>> GetRecycled(uint64_t id) override;
  Status PurgeRecycled(uint64_t id) override;
  Status RestoreRecycled(const FileInfo& to) override;
  Result<std::optional<SegmentInfo>> GetSegment(uint64_t file_id, uint64_t offset) override;
  Result<SegmentInfo> CreateSegment(const SegmentInfo& segment) override;
  Result<uint64_t> AllocateChunkIds(uint32_t count) override;
  Result<std::vector<uint64_t>> ListGarbage() override;
  Result<std::vector<SegmentInfo>> ListSegments(uint64_t file_id) override;
  Status RemoveSegment(uint64_t file_id, uint64_t offset) override;
  Status RemoveGarbage(uint64_t file_id) override;
  Result<SessionInfo> CreateSession(SessionInfo session, std::chrono::seconds ttl) override;
  Result<std::optional<SessionInfo>> GetSession(uint64_t file_id) override;
  Status RefreshSession(const SessionInfo& session) override;
  Status DeleteSession(const SessionInfo& session) override;
  Status CreateSnapshot(const FileInfo& raised, int64_t revision,
                        const SnapshotInfo& snapshot) override;
  Result<std::optional<SnapshotInfo>> GetSnapshot(uint64_t file_id) override;
  Status RemoveSnapshot(uint64_t file_id, uint64_t sequence) override;

 private:
  std::string FileKey(uint64_t parent_id, std::string_view name) const;
  std::string SegmentPrefix(uint64_t file_id) const;
  Result<uint64_t> Reserve(const std::string& counter, uint64_t count);
  Result<uint64_t> NextFileId();

  static constexpr uint64_t kFileIdBlock = 64;
  etcd::EtcdClient& client_;
  std::string prefix_;
  std::mutex ids_mu_;
  uint64_t next_file_id_ = 0;  // guarded by ids_mu_; 0: no block reserved
  uint64_t file_id_end_ = 0;   // one past the reserved block
};

// In memory, for unit tests; sessions never expire on their own.
class FakeNamespaceStore final : public NamespaceStore {
 public:
  Result<std::optional<FileRecord>> GetFile(uint64_t parent_id, std::string_view name) override;
  Result<std::vector<FileInfo>> ListDir(uint64_t parent_id) override;
  Result<FileInfo> CreateFile(FileInfo info) override;
  Status UpdateFile(const FileInfo& info, int64_t revision) override;
  Status RenameFile(const FileInfo& from, int64_t revision, const FileInfo& to) override;
  Status RemoveFile(const FileInfo& file, int64_t revision, const FileInfo* recycled) override;
  Result<std::vector<FileInfo>> ListRecycled() override;
  Result<std::optional<FileInfo>> GetRecycled(uint64_t id) override;
  Status PurgeRecycled(uint64_t id) override;
  Status RestoreRecycled(const FileInfo& to) override;
  Result<std::optional<SegmentInfo>> GetSegment(uint64_t file_id, uint64_t offset) override;
  Result<SegmentInfo> CreateSegment(const SegmentInfo& segment) override;
  Result<uint64_t> AllocateChunkIds(uint32_t count) override;
  Result<std::vector<uint64_t>> ListGarbage() override;
  Result<std::vector<SegmentInfo>> ListSegments(uint64_t file_id) override;
  Status RemoveSegment(uint64_t file_id, uint64_t offset) override;
  Status RemoveGarbage(uint64_t file_id) override;
  Result<SessionInfo> CreateSession(SessionInfo session, std::chrono::seconds ttl) override;
  Result<std::optional<SessionInfo>> GetSession(uint64_t file_id) override;
  Status RefreshSession(const SessionInfo& session) override;
  Status DeleteSession(const SessionInfo& session) override;
  Status CreateSnapshot(const FileInfo& raised, int64_t revision,
                        const SnapshotInfo& snapshot) override;
  Result<std::optional<SnapshotInfo>> GetSnapshot(uint64_t file_id) override;
  Status RemoveSnapshot(uint64_t file_id, uint64_t sequence) override;

 private:
  std::mutex mu_;
  int64_t revision_ = 0;
  uint64_t next_file_id_ = 1;
  uint64_t next_chunk_id_ = 1;
  int64_t next_lease_ = 1;
  std::map<std::pair<uint64_t, std::string>, FileRecord> files_;
  std::map<uint64_t, FileInfo> recycled_;
  std::set<uint64_t> garbage_;
  std::map<std::pair<uint64_t, uint64_t>, SegmentInfo> segments_;
  std::map<uint64_t, SessionInfo> sessions_;
  std::map<uint64_t, SnapshotInfo> snapshots_;
};

}  // namespace curve::mds
