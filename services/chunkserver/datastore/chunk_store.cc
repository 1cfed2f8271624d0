#include "services/chunkserver/datastore/chunk_store.h"

#include <cstring>

#include "common/fs/posix_file_system.h"
#include "common/logging.h"
#include "services/chunkserver/datastore/aligned_buffer.h"
#include "services/chunkserver/datastore/chunk_file_name.h"
#include "services/chunkserver/datastore/chunk_store_chunk.h"

namespace curve::chunkserver {
namespace {

constexpr std::string_view kTakingSuffix = ".taking";

}  // namespace

Result<std::unique_ptr<ChunkStore>> ChunkStore::Open(const ChunkStoreOptions& options) {
  return Open(options, fs::PosixFileSystem::Default());
}

Result<std::unique_ptr<ChunkStore>> ChunkStore::Open(const ChunkStoreOptions& options,
                                                     fs::FileSystem* fs) {
  if (options.block_size != 4096 && options.block_size != 512) {
    return InvalidArgumentError("chunk store " + options.data_dir + ": block size " +
                                std::to_string(options.block_size) + " must be 4096 or 512");
  }
  CURVE_ASSIGN_OR_RETURN(auto pool, FilePool::Open(options.data_dir, fs));
  if (pool->meta_page_size() % options.block_size != 0) {
    return InvalidArgumentError("chunk store " + options.data_dir + ": meta page size " +
                                std::to_string(pool->meta_page_size()) +
                                " is not a multiple of the block size");
  }
  std::unique_ptr<ChunkStore> store(new ChunkStore(options, fs, std::move(pool)));
  CURVE_RETURN_IF_ERROR(store->Recover());
  return store;
}

ChunkStore::ChunkStore(ChunkStoreOptions options, fs::FileSystem* fs,
                       std::unique_ptr<FilePool> pool)
    : options_(std::move(options)),
      fs_(fs),
      pool_(std::move(pool)),
      chunk_dir_(fs::JoinPath(options_.data_dir, "chunks")) {}

ChunkStore::~ChunkStore() = default;

std::string ChunkStore::ChunkPath(ChunkId id) const {
  return fs::JoinPath(chunk_dir_, ChunkFileName{.id = id}.ToString());
}

std::string ChunkStore::PreservedPath(ChunkId id, uint64_t sequence) const {
  return fs::JoinPath(chunk_dir_,
                      ChunkFileName{.id = id, .preserved = true, .sequence = sequence}.ToString());
}

fs::OpenOptions ChunkStore::FileOptions() const {
  fs::OpenOptions open;
  open.direct_io = options_.direct_io;
  open.dsync = options_.sync_writes;
  return open;
}

Status ChunkStore::Recover() {
  auto logger = log::Get("chunkserver");
  CURVE_RETURN_IF_ERROR(fs_->CreateDir(chunk_dir_));
  CURVE_ASSIGN_OR_RETURN(auto names, fs_->List(chunk_dir_));
  AlignedBuffer page(pool_->meta_page_size());
  fs::OpenOptions read_only_open;
  read_only_open.direct_io = options_.direct_io;
  std::vector<ChunkFileName> preserved;
  for (const auto& name : names) {
    ChunkFileName parsed;
    if (!ChunkFileName::Parse(name, &parsed)) {
      logger->warn("op=OpenChunkStore dir={} file={} msg=\"unknown file ignored\"", chunk_dir_,
                   name);
      continue;
    }
    const ChunkId id = parsed.id;
    std::string path = fs::JoinPath(chunk_dir_, name);
    if (parsed.taking) {
      // The message is counted by tests/cluster/replacement_test (pool accounting).
      logger->info(
          "op=OpenChunkStore chunk={} file={} msg=\"returning half-created chunk to the pool\"", id,
          name);
      CURVE_RETURN_IF_ERROR(pool_->Return(path));
      continue;
    }
    if (parsed.preserved) {
      preserved.push_back(parsed);  // attached once every chunk is known
      continue;
    }
    auto chunk = std::make_shared<Chunk>();
    chunk->id = id;
    chunk->path = path;
    Status status = [&]() -> Status {
      CURVE_ASSIGN_OR_RETURN(auto file, fs_->Open(path, read_only_open));
      CURVE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
      if (size != pool_->file_size()) {
        return DataLossError("chunk file " + path + ": size " + std::to_string(size) +
                             ", expected " + std::to_string(pool_->file_size()));
      }
      CURVE_RETURN_IF_ERROR(fs::ReadExactly(*file, 0, page.size(), page.data()));
      CURVE_ASSIGN_OR_RETURN(ChunkHeader header,
                             ChunkHeader::Decode(std::string_view(page.data(), page.size()), path));
      if (header.kind != ChunkHeader::Kind::kChunk || header.chunk_id != id ||
          header.chunk_size != pool_->chunk_size()) {
        return DataLossError("chunk file " + path + ": header names chunk " +
                             std::to_string(header.chunk_id) + " of size " +
                             std::to_string(header.chunk_size));
      }
      chunk->sequence = header.sequence;
      return Status::Ok();
    }();
    if (!status.ok()) {
      if (status.code() != StatusCode::kDataLoss) {
        status = DataLossError("chunk file " + path + " unreadable: " + status.ToString());
      }
      logger->error("op=OpenChunkStore chunk={} err=\"{}\"", id, status.ToString());
      chunk->broken = status;
    }
    chunks_[id] = std::move(chunk);
  }
  for (const auto& copy : preserved) {
    CURVE_RETURN_IF_ERROR(RecoverPreserved(copy.ToString(), copy.id, copy.sequence));
  }
  return Status::Ok();
}

Status ChunkStore::CheckRange(ChunkId id, uint64_t offset, size_t length) const {
  if (offset % options_.block_size != 0 || length % options_.block_size != 0 || length == 0) {
    return InvalidArgumentError("chunk " + std::to_string(id) + ": offset " +
                                std::to_string(offset) + " and length " + std::to_string(length) +
                                " must be non-zero multiples of the block size " +
                                std::to_string(options_.block_size));
  }
  if (offset > chunk_size() || length > chunk_size() - offset) {
    return OutOfRangeError("chunk " + std::to_string(id) + ": range [" + std::to_string(offset) +
                           ", " + std::to_string(offset + length) + ") is beyond the chunk size " +
                           std::to_string(chunk_size()));
  }
  return Status::Ok();
}

Result<std::shared_ptr<ChunkStore::Chunk>> ChunkStore::Find(ChunkId id) const {
  std::shared_ptr<Chunk> chunk;
  {
    std::lock_guard lock(mu_);
    auto it = chunks_.find(id);
    if (it != chunks_.end()) chunk = it->second;
  }
  if (!chunk) {
    return NotFoundError("chunk " + std::to_string(id) + " does not exist (no file " +
                         ChunkPath(id) + ")");
  }
  if (!chunk->broken.ok()) return chunk->broken;
  return chunk;
}

Status ChunkStore::WriteHeader(fs::File* file, const ChunkHeader& header) {
  AlignedBuffer page(header.page_size);
  header.EncodeTo(page.data());
  CURVE_RETURN_IF_ERROR(file->Write(0, std::string_view(page.data(), page.size())));
  return file->Sync();
}

Result<std::shared_ptr<ChunkStore::Chunk>> ChunkStore::FindOrCreate(ChunkId id, uint64_t sequence) {
  auto chunk = std::make_shared<Chunk>();
  // Held while the file is taken and initialised, so IO on this chunk waits in FileOf while the
  // store lock is free for every other chunk.
  std::unique_lock creating(chunk->mu);
  {
    std::lock_guard lock(mu_);
    auto it = chunks_.find(id);
    if (it != chunks_.end()) {
      if (!it->second->broken.ok()) return it->second->broken;
      return it->second;
    }
    chunk->id = id;
    chunk->path = ChunkPath(id);
    chunk->created = false;
    chunks_[id] = chunk;
  }
  std::string taking = chunk->path + std::string(kTakingSuffix);
  bool taken = false;
  Status status = [&]() -> Status {
    CURVE_RETURN_IF_ERROR(pool_->TakeTo(taking));
    taken = true;
    CURVE_ASSIGN_OR_RETURN(auto file, fs_->Open(taking, FileOptions()));
    CURVE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
    if (size != pool_->file_size()) {
      return DataLossError("pool file taken as " + taking + " has size " + std::to_string(size) +
                           ", expected " + std::to_string(pool_->file_size()));
    }
    CURVE_RETURN_IF_ERROR(
        WriteHeader(file.get(), HeaderFor(id, sequence, ChunkHeader::Kind::kChunk)));
    CURVE_RETURN_IF_ERROR(fs_->RenameNoReplace(taking, chunk->path));
    CURVE_RETURN_IF_ERROR(fs_->SyncDir(chunk_dir_));
    chunk->sequence = sequence;
    chunk->file = std::move(file);
    return Status::Ok();
  }();
  if (!status.ok()) {
    // Best effort; a file left behind as .taking is returned by the next Open.
    if (taken && fs_->Exists(taking)) pool_->Return(taking).IgnoreError();
    std::lock_guard lock(mu_);
    chunks_.erase(id);
    return status.WithContext("create chunk " + std::to_string(id));
  }
  chunk->created = true;
  return chunk;
}

Result<std::shared_ptr<fs::File>> ChunkStore::FileOf(Chunk& chunk) {
  std::lock_guard lock(chunk.mu);
  if (!chunk.created) {
    return NotFoundError("chunk " + std::to_string(chunk.id) + " does not exist (its creation " +
                         "failed)");
  }
  if (!chunk.file) {
    auto file = fs_->Open(chunk.path, FileOptions());
    if (!file.ok()) {
      if (file.status().code() == StatusCode::kNotFound) {
        return NotFoundError("chunk " + std::to_string(chunk.id) + ": chunk file " + chunk.path +
                             " is missing");
      }
      return file.status();
    }
    chunk.file = std::move(file).value();
  }
  return chunk.file;
}

Status ChunkStore::WriteData(fs::File& file, uint64_t offset, std::string_view data) const {
  uint64_t file_offset = pool_->meta_page_size() + offset;
  if (options_.direct_io && reinterpret_cast<uintptr_t>(data.data()) % options_.block_size != 0) {
    AlignedBuffer buffer(data.size());
    std::memcpy(buffer.data(), data.data(), data.size());
    return file.Write(file_offset, std::string_view(buffer.data(), buffer.size()));
  }
  return file.Write(file_offset, data);
}

Status ChunkStore::ReadData(fs::File& file, uint64_t offset, size_t length, char* out) const {
  uint64_t file_offset = pool_->meta_page_size() + offset;
  if (options_.direct_io && reinterpret_cast<uintptr_t>(out) % options_.block_size != 0) {
    AlignedBuffer buffer(length);
    CURVE_RETURN_IF_ERROR(fs::ReadExactly(file, file_offset, length, buffer.data()));
    std::memcpy(out, buffer.data(), length);
    return Status::Ok();
  }
  return fs::ReadExactly(file, file_offset, length, out);
}

Status ChunkStore::Write(ChunkId id, uint64_t offset, std::string_view data, uint64_t sequence) {
  CURVE_RETURN_IF_ERROR(CheckRange(id, offset, data.size()));
  CURVE_ASSIGN_OR_RETURN(auto chunk, FindOrCreate(id, sequence));
  CURVE_ASSIGN_OR_RETURN(auto file, FileOf(*chunk));
  {
    std::lock_guard lock(chunk->mu);
    if (sequence != 0 && sequence < chunk->sequence) {
      return FailedPreconditionError("write chunk " + std::to_string(id) + ": sequence " +
                                     std::to_string(sequence) + " is older than the chunk's " +
                                     std::to_string(chunk->sequence));
    }
  }
  CURVE_RETURN_IF_ERROR(RaiseSequence(*chunk, file.get(), sequence));
  return WriteData(*file, offset, data);
}

Status ChunkStore::ReadInto(ChunkId id, uint64_t offset, size_t length, char* out) {
  CURVE_RETURN_IF_ERROR(CheckRange(id, offset, length));
  CURVE_ASSIGN_OR_RETURN(auto chunk, Find(id));
  CURVE_ASSIGN_OR_RETURN(auto file, FileOf(*chunk));
  return ReadData(*file, offset, length, out);
}

Result<std::string> ChunkStore::Read(ChunkId id, uint64_t offset, size_t length) {
  CURVE_RETURN_IF_ERROR(CheckRange(id, offset, length));
  AlignedBuffer buffer(length, options_.block_size);
  CURVE_RETURN_IF_ERROR(ReadInto(id, offset, length, buffer.data()));
  return std::string(buffer.data(), length);
}

Status ChunkStore::Delete(ChunkId id) {
  std::shared_ptr<Chunk> chunk;
  {
    std::lock_guard lock(mu_);
    auto it = chunks_.find(id);
    if (it == chunks_.end()) {
      return NotFoundError("delete chunk " + std::to_string(id) + ": no such chunk (no file " +
                           ChunkPath(id) + ")");
    }
    if (!it->second->broken.ok()) return it->second->broken.WithContext("delete");
    chunk = it->second;
  }
  std::unique_lock cow(chunk->cow);
  CURVE_RETURN_IF_ERROR(DropPreserved(*chunk));
  std::lock_guard lock(mu_);
  auto it = chunks_.find(id);
  if (it == chunks_.end() || it->second != chunk) return Status::Ok();  // a racing Delete won
  CURVE_RETURN_IF_ERROR(pool_->Return(chunk->path));
  chunks_.erase(it);
  return Status::Ok();
}

Result<ChunkInfo> ChunkStore::GetInfo(ChunkId id) {
  CURVE_ASSIGN_OR_RETURN(auto chunk, Find(id));
  std::lock_guard lock(chunk->mu);
  if (!chunk->created) return NotFoundError("chunk " + std::to_string(id) + " does not exist");
  return ChunkInfo{id, chunk_size(), chunk->sequence, chunk->path, chunk->preserved_sequence};
}

ChunkStore::Space ChunkStore::ChunkSpace() const {
  uint64_t in_use = 0;
  {
    std::lock_guard lock(mu_);
    in_use = chunks_.size();
  }
  const uint64_t chunk_size = pool_->chunk_size();
  in_use += preserved_count_.load();
  return Space{(in_use + pool_->free_count()) * chunk_size, in_use * chunk_size};
}

std::vector<ChunkInfo> ChunkStore::ListChunks() const {
  std::vector<std::shared_ptr<Chunk>> chunks;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, chunk] : chunks_) {
      if (chunk->broken.ok()) chunks.push_back(chunk);
    }
  }
  std::vector<ChunkInfo> infos;
  infos.reserve(chunks.size());
  for (const auto& chunk : chunks) {
    std::lock_guard lock(chunk->mu);
    if (!chunk->created) continue;
    infos.push_back(ChunkInfo{chunk->id, chunk_size(), chunk->sequence, chunk->path,
                              chunk->preserved_sequence});
  }
  return infos;
}

Status ChunkStore::Sync(ChunkId id) {
  CURVE_ASSIGN_OR_RETURN(auto chunk, Find(id));
  CURVE_ASSIGN_OR_RETURN(auto file, FileOf(*chunk));
  CURVE_RETURN_IF_ERROR(file->Sync());
  // A copy is synced when made; one installed from a stream is written afterwards.
  std::shared_ptr<fs::File> preserved;
  {
    std::lock_guard lock(chunk->mu);
    preserved = chunk->preserved_file;
  }
  return preserved ? preserved->Sync() : Status::Ok();
}

Status ChunkStore::SyncAll() {
  for (const auto& info : ListChunks()) {
    Status status = Sync(info.id);
    if (!status.ok() && status.code() != StatusCode::kNotFound) return status;
  }
  return Status::Ok();
}

std::vector<Status> ChunkStore::Problems() const {
  std::vector<std::shared_ptr<Chunk>> chunks;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, chunk] : chunks_) chunks.push_back(chunk);
  }
  std::vector<Status> problems;
  for (const auto& chunk : chunks) {
    if (!chunk->broken.ok()) problems.push_back(chunk->broken);
    std::lock_guard lock(chunk->mu);
    if (!chunk->preserved_broken.ok()) problems.push_back(chunk->preserved_broken);
  }
  return problems;
}

}  // namespace curve::chunkserver
