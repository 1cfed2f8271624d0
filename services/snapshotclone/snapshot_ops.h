#pragma once

// Steps shared by the snapshot and clone workers: walking a volume's allocated chunks, taking
// and ending an MDS snapshot, reading a whole chunk of a snapshot, the object layout in S3, and
// progress reporting. Every function here is idempotent, so a worker resumed by a new leader can
// repeat the step it was in.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "common/result.h"
#include "services/snapshotclone/volume_snapshot_source.h"

namespace curve::snapshotclone {

// The shape of a volume as a snapshot saw it.
struct VolumeShape {
  uint64_t size = 0;
  uint64_t chunk_size = 0;
  uint64_t segment_size = 0;

  uint64_t chunk_count() const {
    return chunk_size == 0 ? 0 : (size + chunk_size - 1) / chunk_size;
  }
};

// Calls `fn(index, location)` for every chunk of every allocated segment of the volume whose
// volume-wide chunk index is at least `first`, in index order. Stops at the first error.
Status ForEachAllocatedChunk(VolumeSnapshotSource& source, const std::string& user,
                             const std::string& path, const VolumeShape& shape, uint64_t first,
                             const std::function<Status(uint64_t, const ChunkLocation&)>& fn);

// The volume-wide indexes of every allocated chunk.
Result<std::set<uint64_t>> AllocatedChunks(VolumeSnapshotSource& source, const std::string& user,
                                           const std::string& path, const VolumeShape& shape);

// Reads a whole chunk of snapshot `sequence` in pieces of at most 1 MiB (a gRPC message must
// stay small). `exists` false: the chunk did not exist then.
Result<ChunkRead> ReadSnapshotChunk(VolumeSnapshotSource& source, const ChunkLocation& chunk,
                                    uint64_t sequence, uint64_t chunk_size);

bool AllZero(std::string_view data);

// Takes a snapshot of the volume in the MDS. When the volume has a snapshot already (this task
// took it before a restart, before it could record the sequence), adopts it.
Result<MdsSnapshot> TakeMdsSnapshot(VolumeSnapshotSource& source, const std::string& user,
                                    const std::string& path);

// Polls the MDS until snapshot `sequence` is ready. DEADLINE_EXCEEDED after `timeout`,
// NOT_FOUND when the snapshot vanished; the status `interrupted` returns when it is not OK
// (checked every poll: the replica stops, the task was canceled). Logs its wait every ~10 s.
Result<MdsSnapshot> WaitSnapshotReady(VolumeSnapshotSource& source, const std::string& user,
                                      const std::string& path, uint64_t sequence,
                                      std::chrono::milliseconds timeout,
                                      std::chrono::milliseconds poll,
                                      const std::function<Status()>& interrupted,
                                      spdlog::logger& logger);

// Ends snapshot `sequence`: DeleteChunkSnapshot on every chunk of every allocated segment, then
// the MDS snapshot is deleted (already gone is fine).
Status EndMdsSnapshot(VolumeSnapshotSource& source, const std::string& user,
                      const std::string& path, const VolumeShape& shape, uint64_t sequence);

// S3 keys: <prefix>/<uuid>/chunks/<chunk index> and <prefix>/<uuid>/meta.
std::string ChunkObjectKey(const std::string& prefix, const std::string& uuid, uint64_t index);
std::string ChunkObjectPrefix(const std::string& prefix, const std::string& uuid);
std::string MetaObjectKey(const std::string& prefix, const std::string& uuid);
std::string SnapshotObjectPrefix(const std::string& prefix, const std::string& uuid);
// The chunk index of a chunk object key; INVALID_ARGUMENT for another key.
Result<uint64_t> ChunkIndexOfKey(const std::string& chunk_prefix, const std::string& key);

// A snapshot's metadata object: what a clone needs to rebuild the volume.
struct SnapshotMeta {
  std::string uuid;
  std::string user;
  std::string file;
  uint64_t sequence = 0;
  VolumeShape shape;
  std::set<uint64_t> chunks;  // indexes of the stored chunks
};
std::string SnapshotMetaToJson(const SnapshotMeta& meta);
Result<SnapshotMeta> ParseSnapshotMeta(const std::string& json);

// Logs one line each time a task's progress crosses a multiple of 10%.
class ProgressLog {
 public:
  ProgressLog(spdlog::logger& logger, std::string what, std::string uuid, int start)
      : logger_(logger), what_(std::move(what)), uuid_(std::move(uuid)), logged_(start / 10) {}
  void Update(int percent);

 private:
  spdlog::logger& logger_;
  std::string what_;
  std::string uuid_;
  int logged_;
};

// Progress of a copy: 5% once started, 95% when every chunk is copied.
int CopyProgress(uint64_t done, uint64_t total);

}  // namespace curve::snapshotclone
