#include "services/snapshotclone/testing/fake_snapshot_source.h"

#include <algorithm>

namespace curve::snapshotclone::testing {
namespace {

constexpr uint64_t kChunkIdShift = 32;

class FakeWriter : public VolumeWriter {
 public:
  FakeWriter(FakeVolumeSnapshotSource& source, std::string path)
      : source_(source), path_(std::move(path)) {}
  Status Write(uint64_t offset, std::string_view data) override {
    return source_.Write(path_, offset, std::string(data));
  }

 private:
  FakeVolumeSnapshotSource& source_;
  std::string path_;
};

}  // namespace

Result<FakeVolumeSnapshotSource::Volume*> FakeVolumeSnapshotSource::Find(const std::string& user,
                                                                         const std::string& path) {
  auto it = volumes_.find(path);
  if (it == volumes_.end()) return NotFoundError("volume " + path + " does not exist");
  if (it->second.user != user) {
    return PermissionDeniedError("volume " + path + " belongs to another user");
  }
  return &it->second;
}

FakeVolumeSnapshotSource::Volume* FakeVolumeSnapshotSource::Locate(uint64_t chunk_id,
                                                                   uint64_t* index) {
  for (auto& [path, volume] : volumes_) {
    if (volume.id == chunk_id >> kChunkIdShift) {
      *index = chunk_id & ((uint64_t{1} << kChunkIdShift) - 1);
      return &volume;
    }
  }
  return nullptr;
}

Status FakeVolumeSnapshotSource::WriteLocked(Volume& volume, uint64_t offset,
                                             const std::string& data) {
  if (offset % 4096 != 0 || data.size() % 4096 != 0) {
    return InvalidArgumentError("misaligned write at " + std::to_string(offset));
  }
  if (offset + data.size() > volume.size) return OutOfRangeError("write beyond the volume");
  uint64_t at = offset;
  while (at < offset + data.size()) {
    uint64_t index = at / chunk_size_;
    uint64_t in_chunk = at % chunk_size_;
    uint64_t n = std::min(chunk_size_ - in_chunk, offset + data.size() - at);
    volume.segments.insert(at / segment_size_);
    auto [it, created] = volume.chunks.try_emplace(index);
    Chunk& chunk = it->second;
    if (created) {
      chunk.data.assign(chunk_size_, '\0');
      chunk.sequence = volume.sequence;
    } else if (chunk.sequence < volume.sequence) {
      if (!chunk.preserved.has_value()) chunk.preserved = chunk.data;
      chunk.sequence = volume.sequence;
    }
    chunk.data.replace(in_chunk, n, data, at - offset, n);
    at += n;
  }
  return Status::Ok();
}

Status FakeVolumeSnapshotSource::Write(const std::string& path, uint64_t offset,
                                       const std::string& data) {
  std::lock_guard lock(mu_);
  auto it = volumes_.find(path);
  if (it == volumes_.end()) return NotFoundError("volume " + path + " does not exist");
  return WriteLocked(it->second, offset, data);
}

std::string FakeVolumeSnapshotSource::Contents(const std::string& path) {
  std::lock_guard lock(mu_);
  const Volume& volume = volumes_.at(path);
  std::string out(volume.size, '\0');
  for (const auto& [index, chunk] : volume.chunks) {
    out.replace(index * chunk_size_, chunk_size_, chunk.data);
  }
  return out;
}

int FakeVolumeSnapshotSource::PreservedCopies(const std::string& path) {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const auto& [index, chunk] : volumes_.at(path).chunks) n += chunk.preserved ? 1 : 0;
  return n;
}

std::string FakeVolumeSnapshotSource::Poolset(const std::string& path) {
  std::lock_guard lock(mu_);
  return volumes_.at(path).poolset;
}

bool FakeVolumeSnapshotSource::HasMdsSnapshot(const std::string& path) {
  std::lock_guard lock(mu_);
  return volumes_.at(path).snapshot.has_value();
}

void FakeVolumeSnapshotSource::SetOnRead(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  on_read_ = std::move(hook);
}

int FakeVolumeSnapshotSource::reads() const {
  std::lock_guard lock(mu_);
  return reads_;
}

int FakeVolumeSnapshotSource::created_snapshots() const {
  std::lock_guard lock(mu_);
  return created_snapshots_;
}

Result<VolumeDescription> FakeVolumeSnapshotSource::StatVolume(const std::string& user,
                                                               const std::string& path) {
  std::lock_guard lock(mu_);
  CURVE_ASSIGN_OR_RETURN(Volume * volume, Find(user, path));
  return VolumeDescription{volume->size, chunk_size_, segment_size_, volume->sequence,
                           volume->poolset};
}

Status FakeVolumeSnapshotSource::CreateVolume(const std::string& user, const std::string& path,
                                              uint64_t size, const std::string& poolset) {
  std::lock_guard lock(mu_);
  if (volumes_.count(path)) return AlreadyExistsError("volume " + path + " exists");
  if (size == 0 || size % segment_size_ != 0) {
    return InvalidArgumentError("size " + std::to_string(size) + " is not a segment multiple");
  }
  Volume& volume = volumes_[path];
  volume.user = user;
  volume.id = next_id_++;
  volume.size = size;
  volume.poolset = poolset;
  return Status::Ok();
}

Status FakeVolumeSnapshotSource::DeleteVolume(const std::string& user, const std::string& path) {
  std::lock_guard lock(mu_);
  volumes_.erase(path);
  return Status::Ok();
}

Result<MdsSnapshot> FakeVolumeSnapshotSource::CreateSnapshot(const std::string& user,
                                                             const std::string& path) {
  std::lock_guard lock(mu_);
  CURVE_ASSIGN_OR_RETURN(Volume * volume, Find(user, path));
  if (volume->snapshot.has_value()) {
    return FailedPreconditionError("volume " + path + " has a snapshot already");
  }
  volume->snapshot = Snapshot{volume->sequence, pending_polls_};
  ++volume->sequence;
  ++created_snapshots_;
  return MdsSnapshot{volume->snapshot->sequence, pending_polls_ == 0, volume->size, chunk_size_,
                     segment_size_};
}

Result<std::vector<MdsSnapshot>> FakeVolumeSnapshotSource::ListSnapshots(const std::string& user,
                                                                         const std::string& path) {
  std::lock_guard lock(mu_);
  CURVE_ASSIGN_OR_RETURN(Volume * volume, Find(user, path));
  std::vector<MdsSnapshot> out;
  if (volume->snapshot.has_value()) {
    Snapshot& s = *volume->snapshot;
    bool ready = s.polls_left <= 0;
    if (!ready) --s.polls_left;
    out.push_back({s.sequence, ready, volume->size, chunk_size_, segment_size_});
  }
  return out;
}

Status FakeVolumeSnapshotSource::DeleteSnapshot(const std::string& user, const std::string& path,
                                                uint64_t sequence) {
  std::lock_guard lock(mu_);
  CURVE_ASSIGN_OR_RETURN(Volume * volume, Find(user, path));
  if (!volume->snapshot.has_value() || volume->snapshot->sequence != sequence) {
    return NotFoundError("volume " + path + " has no snapshot " + std::to_string(sequence));
  }
  volume->snapshot.reset();
  return Status::Ok();
}

Result<std::optional<SegmentChunks>> FakeVolumeSnapshotSource::GetSegment(const std::string& user,
                                                                          const std::string& path,
                                                                          uint64_t offset) {
  std::lock_guard lock(mu_);
  CURVE_ASSIGN_OR_RETURN(Volume * volume, Find(user, path));
  if (!volume->segments.count(offset / segment_size_)) return std::optional<SegmentChunks>();
  SegmentChunks segment;
  const uint64_t first = offset / chunk_size_;
  for (uint64_t i = 0; i < segment_size_ / chunk_size_; ++i) {
    segment.chunks.push_back({1, 1, (volume->id << kChunkIdShift) | (first + i)});
  }
  return std::optional<SegmentChunks>(std::move(segment));
}

Result<ChunkRead> FakeVolumeSnapshotSource::ReadChunkSnapshot(const ChunkLocation& location,
                                                              uint64_t sequence, uint64_t offset,
                                                              uint32_t length) {
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    ++reads_;
    hook = on_read_;
  }
  if (hook) hook();
  std::lock_guard lock(mu_);
  uint64_t index = 0;
  Volume* volume = Locate(location.chunk_id, &index);
  if (volume == nullptr) return NotFoundError("unknown chunk");
  auto it = volume->chunks.find(index);
  if (it == volume->chunks.end()) return ChunkRead{};
  const Chunk& chunk = it->second;
  const std::string* data = nullptr;
  if (chunk.preserved.has_value() && chunk.sequence > sequence) {
    data = &*chunk.preserved;
  } else if (chunk.sequence <= sequence) {
    data = &chunk.data;
  } else {
    return ChunkRead{};
  }
  if (offset + length > data->size()) return OutOfRangeError("read beyond the chunk");
  return ChunkRead{true, data->substr(offset, length)};
}

Status FakeVolumeSnapshotSource::DeleteChunkSnapshot(const ChunkLocation& location,
                                                     uint64_t sequence) {
  std::lock_guard lock(mu_);
  uint64_t index = 0;
  Volume* volume = Locate(location.chunk_id, &index);
  if (volume == nullptr) return Status::Ok();
  auto it = volume->chunks.find(index);
  if (it == volume->chunks.end()) return Status::Ok();
  Chunk& chunk = it->second;
  if (chunk.preserved.has_value()) {
    chunk.preserved.reset();
  } else if (chunk.sequence <= sequence) {
    chunk.sequence = sequence + 1;
  }
  return Status::Ok();
}

Result<std::unique_ptr<VolumeWriter>> FakeVolumeSnapshotSource::OpenForWrite(
    const std::string& user, const std::string& path) {
  {
    std::lock_guard lock(mu_);
    CURVE_RETURN_IF_ERROR(Find(user, path).status());
  }
  return std::unique_ptr<VolumeWriter>(new FakeWriter(*this, path));
}

}  // namespace curve::snapshotclone::testing
