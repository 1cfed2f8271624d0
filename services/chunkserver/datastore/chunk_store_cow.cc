// ChunkStore's copy-on-write snapshots: making, reading, installing and dropping a chunk's
// preserved copy (see chunk_store.h).
#include <algorithm>
#include <cstring>

#include "common/logging.h"
#include "services/chunkserver/datastore/aligned_buffer.h"
#include "services/chunkserver/datastore/chunk_store.h"
#include "services/chunkserver/datastore/chunk_store_chunk.h"

namespace curve::chunkserver {
namespace {

// Copying a chunk: reads and writes of this size (16 of each for a 16 MiB chunk).
constexpr uint64_t kCopyBlock = 1 << 20;
constexpr std::string_view kTakingSuffix = ".taking";

bool AllZero(const char* data, size_t size) {
  return size == 0 || (data[0] == 0 && std::memcmp(data, data + 1, size - 1) == 0);
}

}  // namespace

ChunkHeader ChunkStore::HeaderFor(ChunkId id, uint64_t sequence, ChunkHeader::Kind kind) const {
  ChunkHeader header;
  header.kind = kind;
  header.chunk_id = id;
  header.sequence = sequence;
  header.chunk_size = pool_->chunk_size();
  header.page_size = pool_->meta_page_size();
  return header;
}

Status ChunkStore::RecoverPreserved(const std::string& name, ChunkId id, uint64_t sequence) {
  auto logger = log::Get("chunkserver");
  const std::string path = fs::JoinPath(chunk_dir_, name);
  std::shared_ptr<Chunk> chunk;
  {
    std::lock_guard lock(mu_);
    auto it = chunks_.find(id);
    if (it != chunks_.end()) chunk = it->second;
  }
  if (!chunk) {
    // Deleting a chunk drops its copy first: a copy alone is left by nothing but damage.
    logger->warn(
        "op=OpenChunkStore file={} msg=\"preserved copy without its chunk returned to "
        "the pool\"",
        path);
    return pool_->Return(path);
  }
  Status status = [&]() -> Status {
    fs::OpenOptions read_only;
    read_only.direct_io = options_.direct_io;
    CURVE_ASSIGN_OR_RETURN(auto file, fs_->Open(path, read_only));
    CURVE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
    if (size != pool_->file_size()) {
      return DataLossError("preserved copy " + path + ": size " + std::to_string(size) +
                           ", expected " + std::to_string(pool_->file_size()));
    }
    AlignedBuffer page(pool_->meta_page_size());
    CURVE_RETURN_IF_ERROR(fs::ReadExactly(*file, 0, page.size(), page.data()));
    CURVE_ASSIGN_OR_RETURN(ChunkHeader header,
                           ChunkHeader::Decode(std::string_view(page.data(), page.size()), path));
    if (header.kind != ChunkHeader::Kind::kPreserved || header.chunk_id != id ||
        header.sequence != sequence || header.chunk_size != pool_->chunk_size()) {
      return DataLossError("preserved copy " + path + ": header names chunk " +
                           std::to_string(header.chunk_id) + " at sequence " +
                           std::to_string(header.sequence) + " of size " +
                           std::to_string(header.chunk_size));
    }
    return Status::Ok();
  }();
  if (!status.ok() && status.code() != StatusCode::kDataLoss) {
    status = DataLossError("preserved copy " + path + " unreadable: " + status.ToString());
  }
  std::lock_guard lock(chunk->mu);
  if (chunk->has_preserved()) {
    status = DataLossError("chunk " + std::to_string(id) +
                           " has two preserved copies: " + chunk->preserved_path + " and " + path);
    chunk->preserved_broken = status;
    logger->error("op=OpenChunkStore chunk={} err=\"{}\"", id, status.ToString());
    return Status::Ok();
  }
  if (!status.ok()) logger->error("op=OpenChunkStore chunk={} err=\"{}\"", id, status.ToString());
  chunk->preserved_sequence = sequence;
  chunk->preserved_path = path;
  chunk->preserved_broken = status;
  ++preserved_count_;
  return Status::Ok();
}

Result<std::shared_ptr<fs::File>> ChunkStore::PreservedFileOf(Chunk& chunk) {
  std::lock_guard lock(chunk.mu);
  if (!chunk.has_preserved()) {
    return NotFoundError("chunk " + std::to_string(chunk.id) + " has no preserved copy");
  }
  if (!chunk.preserved_broken.ok()) return chunk.preserved_broken;
  if (!chunk.preserved_file) {
    auto file = fs_->Open(chunk.preserved_path, FileOptions());
    if (!file.ok()) {
      if (file.status().code() == StatusCode::kNotFound) {
        return DataLossError("chunk " + std::to_string(chunk.id) + ": preserved copy " +
                             chunk.preserved_path + " is missing");
      }
      return file.status();
    }
    chunk.preserved_file = std::move(file).value();
  }
  return chunk.preserved_file;
}

Status ChunkStore::SetSequence(Chunk& chunk, fs::File* file, uint64_t sequence) {
  CURVE_RETURN_IF_ERROR(
      WriteHeader(file, HeaderFor(chunk.id, sequence, ChunkHeader::Kind::kChunk)));
  std::lock_guard lock(chunk.mu);
  chunk.sequence = sequence;
  return Status::Ok();
}

Status ChunkStore::RaiseSequence(Chunk& chunk, fs::File* file, uint64_t sequence) {
  {
    std::lock_guard lock(chunk.mu);
    if (sequence <= chunk.sequence) return Status::Ok();
  }
  std::unique_lock cow(chunk.cow);
  uint64_t old = 0;
  bool has_copy = false;
  {
    std::lock_guard lock(chunk.mu);
    if (sequence <= chunk.sequence) return Status::Ok();
    old = chunk.sequence;
    has_copy = chunk.has_preserved();
  }
  // A chunk at sequence 0 was written by clients that send none: its contents belong to every
  // snapshot before `sequence` (there is none before 1).
  const uint64_t at = old != 0 ? old : sequence - 1;
  if (!has_copy && at != 0) CURVE_RETURN_IF_ERROR(CreatePreserved(chunk, at, file));
  return SetSequence(chunk, file, sequence);
}

Status ChunkStore::CreatePreserved(Chunk& chunk, uint64_t sequence, fs::File* source) {
  const std::string path = PreservedPath(chunk.id, sequence);
  const std::string taking = path + std::string(kTakingSuffix);
  bool taken = false;
  std::shared_ptr<fs::File> file;
  Status status = [&]() -> Status {
    CURVE_RETURN_IF_ERROR(pool_->TakeTo(taking));
    taken = true;
    CURVE_ASSIGN_OR_RETURN(file, fs_->Open(taking, FileOptions()));
    CURVE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
    if (size != pool_->file_size()) {
      return DataLossError("pool file taken as " + taking + " has size " + std::to_string(size) +
                           ", expected " + std::to_string(pool_->file_size()));
    }
    const uint64_t page = pool_->meta_page_size();
    {
      AlignedBuffer header(page);
      HeaderFor(chunk.id, sequence, ChunkHeader::Kind::kPreserved).EncodeTo(header.data());
      CURVE_RETURN_IF_ERROR(file->Write(0, std::string_view(header.data(), header.size())));
    }
    if (source != nullptr) {
      const uint64_t chunk_size = pool_->chunk_size();
      AlignedBuffer block(std::min(kCopyBlock, chunk_size));
      for (uint64_t offset = 0; offset < chunk_size; offset += block.size()) {
        const size_t n = std::min<uint64_t>(block.size(), chunk_size - offset);
        CURVE_RETURN_IF_ERROR(fs::ReadExactly(*source, page + offset, n, block.data()));
        if (AllZero(block.data(), n)) continue;  // the pool file is zeroed already
        CURVE_RETURN_IF_ERROR(file->Write(page + offset, std::string_view(block.data(), n)));
      }
    }
    // Complete and durable before it has its name: a named copy is always a whole one.
    CURVE_RETURN_IF_ERROR(file->Sync());
    CURVE_RETURN_IF_ERROR(fs_->RenameNoReplace(taking, path));
    return fs_->SyncDir(chunk_dir_);
  }();
  if (!status.ok()) {
    // Best effort; a file left behind as .taking is returned by the next Open.
    if (taken) {
      const std::string& left = fs_->Exists(taking) ? taking : path;
      if (fs_->Exists(left)) pool_->Return(left).IgnoreError();
    }
    return status.WithContext("preserve chunk " + std::to_string(chunk.id) + " at sequence " +
                              std::to_string(sequence));
  }
  {
    std::lock_guard lock(chunk.mu);
    chunk.preserved_sequence = sequence;
    chunk.preserved_path = path;
    chunk.preserved_broken = Status::Ok();
    chunk.preserved_file = std::move(file);
  }
  ++preserved_count_;
  log::Get("chunkserver")
      ->debug("op=PreserveChunk chunk={} sequence={} copied={}", chunk.id, sequence,
              source != nullptr);
  return Status::Ok();
}

Status ChunkStore::DropPreserved(Chunk& chunk) {
  std::string path;
  {
    std::lock_guard lock(chunk.mu);
    if (!chunk.has_preserved()) return Status::Ok();
    path = chunk.preserved_path;
  }
  Status returned = pool_->Return(path);
  if (!returned.ok() && returned.code() != StatusCode::kNotFound) {
    return returned.WithContext("drop the preserved copy of chunk " + std::to_string(chunk.id));
  }
  {
    std::lock_guard lock(chunk.mu);
    chunk.preserved_sequence = 0;
    chunk.preserved_path.clear();
    chunk.preserved_broken = Status::Ok();
    chunk.preserved_file.reset();
  }
  if (returned.ok()) --preserved_count_;
  return Status::Ok();
}

bool ChunkStore::WouldTakePoolFile(ChunkId id, uint64_t sequence) const {
  std::shared_ptr<Chunk> chunk;
  {
    std::lock_guard lock(mu_);
    auto it = chunks_.find(id);
    if (it == chunks_.end()) return true;
    chunk = it->second;
  }
  std::lock_guard lock(chunk->mu);
  if (!chunk->created) return true;
  if (sequence <= chunk->sequence || chunk->has_preserved()) return false;
  return chunk->sequence != 0 || sequence > 1;
}

Result<bool> ChunkStore::ReadSnapshotInto(ChunkId id, uint64_t sequence, uint64_t offset,
                                          size_t length, char* out) {
  CURVE_RETURN_IF_ERROR(CheckRange(id, offset, length));
  CURVE_ASSIGN_OR_RETURN(auto chunk, Find(id));
  std::shared_lock cow(chunk->cow);
  uint64_t current = 0;
  bool has_copy = false;
  {
    std::lock_guard lock(chunk->mu);
    if (!chunk->created) return NotFoundError("chunk " + std::to_string(id) + " does not exist");
    current = chunk->sequence;
    has_copy = chunk->has_preserved();
  }
  if (current <= sequence) {
    CURVE_ASSIGN_OR_RETURN(auto file, FileOf(*chunk));
    CURVE_RETURN_IF_ERROR(ReadData(*file, offset, length, out));
    return true;
  }
  if (!has_copy) return false;
  CURVE_ASSIGN_OR_RETURN(auto file, PreservedFileOf(*chunk));
  CURVE_RETURN_IF_ERROR(ReadData(*file, offset, length, out));
  return true;
}

Result<uint64_t> ChunkStore::ReadPreservedInto(ChunkId id, uint64_t offset, size_t length,
                                               char* out) {
  CURVE_RETURN_IF_ERROR(CheckRange(id, offset, length));
  CURVE_ASSIGN_OR_RETURN(auto chunk, Find(id));
  std::shared_lock cow(chunk->cow);
  CURVE_ASSIGN_OR_RETURN(auto file, PreservedFileOf(*chunk));
  CURVE_RETURN_IF_ERROR(ReadData(*file, offset, length, out));
  std::lock_guard lock(chunk->mu);
  return chunk->preserved_sequence;
}

Status ChunkStore::WritePreserved(ChunkId id, uint64_t sequence, uint64_t offset,
                                  std::string_view data) {
  if (sequence == 0) {
    return InvalidArgumentError("chunk " + std::to_string(id) +
                                ": a preserved copy needs a sequence above 0");
  }
  CURVE_RETURN_IF_ERROR(CheckRange(id, offset, data.size()));
  CURVE_ASSIGN_OR_RETURN(auto chunk, Find(id));
  std::unique_lock cow(chunk->cow);
  bool keep = false;
  {
    std::lock_guard lock(chunk->mu);
    if (!chunk->created) return NotFoundError("chunk " + std::to_string(id) + " does not exist");
    keep = chunk->has_preserved() && chunk->preserved_sequence == sequence &&
           chunk->preserved_broken.ok();
  }
  if (!keep) {
    CURVE_RETURN_IF_ERROR(DropPreserved(*chunk));
    CURVE_RETURN_IF_ERROR(CreatePreserved(*chunk, sequence, nullptr));
  }
  CURVE_ASSIGN_OR_RETURN(auto file, PreservedFileOf(*chunk));
  return WriteData(*file, offset, data);
}

Status ChunkStore::DeleteSnapshot(ChunkId id, uint64_t sequence) {
  CURVE_ASSIGN_OR_RETURN(auto chunk, Find(id));
  CURVE_ASSIGN_OR_RETURN(auto file, FileOf(*chunk));
  std::unique_lock cow(chunk->cow);
  bool has_copy = false;
  uint64_t current = 0;
  {
    std::lock_guard lock(chunk->mu);
    has_copy = chunk->has_preserved();
    current = chunk->sequence;
  }
  // While snapshot `sequence` lives, writes carry at most `sequence + 1`: a chunk above that has
  // seen a later snapshot, and its copy is that one's. A late end of this snapshot (a deposed
  // leader's worker, a retried cleanup) must leave it.
  if (has_copy) return current <= sequence + 1 ? DropPreserved(*chunk) : Status::Ok();
  // No copy: the next write at `sequence + 1` must not preserve one nobody will read.
  if (current <= sequence) return SetSequence(*chunk, file.get(), sequence + 1);
  return Status::Ok();
}

}  // namespace curve::chunkserver
