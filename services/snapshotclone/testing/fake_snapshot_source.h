#pragma once

// FakeVolumeSnapshotSource: volumes in memory with the copy-on-write rules of chunk.proto
// (a write with a newer sequence preserves the chunk's old contents once; ReadChunkSnapshot
// answers the preserved copy, the chunk itself, or "did not exist"; DeleteChunkSnapshot drops
// the copy), one MDS snapshot per volume, and hooks for tests. Thread-safe.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "services/snapshotclone/volume_snapshot_source.h"

namespace curve::snapshotclone::testing {

class FakeVolumeSnapshotSource : public VolumeSnapshotSource {
 public:
  FakeVolumeSnapshotSource(uint64_t chunk_size = 64 * 1024, uint64_t segment_size = 256 * 1024)
      : chunk_size_(chunk_size), segment_size_(segment_size) {}

  // Test helpers.
  Status Write(const std::string& path, uint64_t offset, const std::string& data);
  // The volume's current contents (zeros where never written).
  std::string Contents(const std::string& path);
  // Chunks that hold a preserved copy (a snapshot not yet ended on them).
  int PreservedCopies(const std::string& path);
  std::string Poolset(const std::string& path);
  bool HasMdsSnapshot(const std::string& path);
  // A snapshot answers PENDING to this many ListSnapshots calls before READY.
  void SetPendingPolls(int polls) { pending_polls_ = polls; }
  // Runs before every ReadChunkSnapshot (e.g. to stop a worker midway).
  void SetOnRead(std::function<void()> hook);
  int reads() const;
  int created_snapshots() const;

  Result<VolumeDescription> StatVolume(const std::string& user, const std::string& path) override;
  Status CreateVolume(const std::string& user, const std::string& path, uint64_t size,
                      const std::string& poolset) override;
  Status DeleteVolume(const std::string& user, const std::string& path) override;
  Result<MdsSnapshot> CreateSnapshot(const std::string& user, const std::string& path) override;
  Result<std::vector<MdsSnapshot>> ListSnapshots(const std::string& user,
                                                 const std::string& path) override;
  Status DeleteSnapshot(const std::string& user, const std::string& path,
                        uint64_t sequence) override;
  Result<std::optional<SegmentChunks>> GetSegment(const std::string& user, const std::string& path,
                                                  uint64_t offset) override;
  Result<ChunkRead> ReadChunkSnapshot(const ChunkLocation& chunk, uint64_t sequence,
                                      uint64_t offset, uint32_t length) override;
  Status DeleteChunkSnapshot(const ChunkLocation& chunk, uint64_t sequence) override;
  Result<std::unique_ptr<VolumeWriter>> OpenForWrite(const std::string& user,
                                                     const std::string& path) override;

 private:
  struct Chunk {
    std::string data;
    uint64_t sequence = 0;
    std::optional<std::string> preserved;
  };
  struct Snapshot {
    uint64_t sequence = 0;
    int polls_left = 0;
  };
  struct Volume {
    std::string user;
    uint64_t id = 0;
    uint64_t size = 0;
    std::string poolset;
    uint64_t sequence = 1;
    std::set<uint64_t> segments;       // allocated segment indexes
    std::map<uint64_t, Chunk> chunks;  // by chunk index; written chunks only
    std::optional<Snapshot> snapshot;
  };
  Result<Volume*> Find(const std::string& user, const std::string& path);
  // The volume and chunk index of a chunk id; nullptr when unknown.
  Volume* Locate(uint64_t chunk_id, uint64_t* index);
  Status WriteLocked(Volume& volume, uint64_t offset, const std::string& data);

  const uint64_t chunk_size_;
  const uint64_t segment_size_;
  mutable std::mutex mu_;
  std::map<std::string, Volume> volumes_;
  uint64_t next_id_ = 1;
  int pending_polls_ = 0;
  std::function<void()> on_read_;
  int reads_ = 0;
  int created_snapshots_ = 0;
};

}  // namespace curve::snapshotclone::testing
