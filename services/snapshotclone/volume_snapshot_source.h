#pragma once

// VolumeSnapshotSource: the cluster operations the snapshot and clone workers need (MDS
// namespace and snapshots, chunk snapshot reads on the chunkservers, volume writes), behind one
// interface so the workers are tested against FakeVolumeSnapshotSource. The implementation over
// the real cluster is CurveSnapshotSource (curve_snapshot_source.h). Implementations are
// thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace curve::snapshotclone {

struct VolumeDescription {
  uint64_t size = 0;
  uint64_t chunk_size = 0;
  uint64_t segment_size = 0;
  uint64_t sequence = 0;
  std::string poolset;
};

struct MdsSnapshot {
  uint64_t sequence = 0;
  bool ready = false;  // the chunks are frozen (SnapshotInfo.State READY)
  uint64_t size = 0;
  uint64_t chunk_size = 0;
  uint64_t segment_size = 0;
};

struct ChunkLocation {
  uint32_t logical_pool = 0;
  uint32_t copyset = 0;
  uint64_t chunk_id = 0;
};

// One allocated segment: chunk i of the segment is chunks[i].
struct SegmentChunks {
  std::vector<ChunkLocation> chunks;
};

struct ChunkRead {
  bool exists = false;
  std::string data;  // empty when !exists
};

// A volume opened for writing (holds the MDS session until destroyed).
class VolumeWriter {
 public:
  virtual ~VolumeWriter() = default;
  // `offset` and data.size() are multiples of 4096.
  virtual Status Write(uint64_t offset, std::string_view data) = 0;
};

class VolumeSnapshotSource {
 public:
  virtual ~VolumeSnapshotSource() = default;

  // NOT_FOUND when the volume does not exist.
  virtual Result<VolumeDescription> StatVolume(const std::string& user,
                                               const std::string& path) = 0;
  // Creates a volume (ALREADY_EXISTS when the path is taken); empty poolset: the default.
  virtual Status CreateVolume(const std::string& user, const std::string& path, uint64_t size,
                              const std::string& poolset) = 0;
  // Deletes a volume for good (no recycle bin). OK when absent.
  virtual Status DeleteVolume(const std::string& user, const std::string& path) = 0;

  // Raises the volume's sequence. FAILED_PRECONDITION when it has a snapshot already.
  virtual Result<MdsSnapshot> CreateSnapshot(const std::string& user, const std::string& path) = 0;
  virtual Result<std::vector<MdsSnapshot>> ListSnapshots(const std::string& user,
                                                         const std::string& path) = 0;
  // NOT_FOUND when the volume has no snapshot at `sequence`.
  virtual Status DeleteSnapshot(const std::string& user, const std::string& path,
                                uint64_t sequence) = 0;

  // The segment at `offset`, or nullopt when it was never allocated.
  virtual Result<std::optional<SegmentChunks>> GetSegment(const std::string& user,
                                                          const std::string& path,
                                                          uint64_t offset) = 0;

  // The chunk as it was in snapshot `sequence` (see ReadChunkSnapshot in chunk.proto).
  virtual Result<ChunkRead> ReadChunkSnapshot(const ChunkLocation& chunk, uint64_t sequence,
                                              uint64_t offset, uint32_t length) = 0;
  // Ends snapshot `sequence` on the chunk. OK when the chunk does not exist.
  virtual Status DeleteChunkSnapshot(const ChunkLocation& chunk, uint64_t sequence) = 0;

  virtual Result<std::unique_ptr<VolumeWriter>> OpenForWrite(const std::string& user,
                                                             const std::string& path) = 0;
};

}  // namespace curve::snapshotclone
