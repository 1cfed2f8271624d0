#include "services/chunkserver/datastore/file_pool.h"

#include <algorithm>
#include <charconv>

#include "common/fs/posix_file_system.h"
#include "common/logging.h"
#include "services/chunkserver/datastore/aligned_buffer.h"

namespace curve::chunkserver {
namespace {

constexpr size_t kZeroWriteSize = 1 << 20;

enum class NameKind { kClean, kDirty, kTmp, kOther };

NameKind ParseName(const std::string& name, uint64_t* number) {
  const char* begin = name.data();
  const char* end = begin + name.size();
  auto [ptr, ec] = std::from_chars(begin, end, *number);
  if (ec != std::errc() || ptr == begin) return NameKind::kOther;
  std::string_view rest(ptr, static_cast<size_t>(end - ptr));
  if (rest.empty()) return NameKind::kClean;
  if (rest == ".dirty") return NameKind::kDirty;
  if (rest == ".tmp") return NameKind::kTmp;
  return NameKind::kOther;
}

Result<std::string> ReadWholeFile(fs::FileSystem* fs, const std::string& path) {
  CURVE_ASSIGN_OR_RETURN(auto file, fs->Open(path, fs::OpenOptions{}));
  CURVE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string text(size, '\0');
  CURVE_RETURN_IF_ERROR(fs::ReadExactly(*file, 0, size, text.data()));
  return text;
}

Status WriteMeta(fs::FileSystem* fs, const std::string& data_dir, const PoolMeta& meta) {
  std::string path = FilePool::MetaPath(data_dir);
  std::string tmp = path + ".tmp";
  if (fs->Exists(tmp)) CURVE_RETURN_IF_ERROR(fs->Remove(tmp));
  fs::OpenOptions options;
  options.create = true;
  options.exclusive = true;
  CURVE_ASSIGN_OR_RETURN(auto file, fs->Open(tmp, options));
  std::string text = meta.Encode();
  CURVE_RETURN_IF_ERROR(file->Write(0, std::string_view(text.data(), text.size())));
  CURVE_RETURN_IF_ERROR(file->Sync());
  CURVE_RETURN_IF_ERROR(fs->Rename(tmp, path));
  return fs->SyncDir(data_dir);
}

Status ZeroFile(fs::File* file, uint64_t size) {
  static const AlignedBuffer zeros(kZeroWriteSize);
  for (uint64_t offset = 0; offset < size; offset += kZeroWriteSize) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kZeroWriteSize, size - offset));
    CURVE_RETURN_IF_ERROR(file->Write(offset, std::string_view(zeros.data(), n)));
  }
  return file->Sync();
}

}  // namespace

std::string FilePool::PoolDir(const std::string& data_dir) {
  return fs::JoinPath(data_dir, "chunkfilepool");
}

std::string FilePool::MetaPath(const std::string& data_dir) {
  return fs::JoinPath(data_dir, "chunkfilepool.meta");
}

Status FilePool::Format(const std::string& data_dir, uint32_t percent, uint64_t chunk_size) {
  FormatOptions options;
  options.percent = percent;
  options.chunk_size = chunk_size;
  return Format(data_dir, options, fs::PosixFileSystem::Default());
}

Status FilePool::Format(const std::string& data_dir, const FormatOptions& options,
                        fs::FileSystem* fs) {
  auto logger = log::Get("chunkserver");
  if (options.chunk_size == 0 || options.chunk_size % 4096 != 0) {
    return InvalidArgumentError("format " + data_dir + ": chunk size " +
                                std::to_string(options.chunk_size) +
                                " must be a non-zero multiple of 4096");
  }
  if (options.meta_page_size == 0 || options.meta_page_size % 4096 != 0) {
    return InvalidArgumentError("format " + data_dir +
                                ": meta page size must be a multiple of 4096");
  }
  if (options.chunk_count == 0 && (options.percent < 1 || options.percent > 100)) {
    return InvalidArgumentError("format " + data_dir + ": percent " +
                                std::to_string(options.percent) + " must be in 1..100");
  }
  std::string pool_dir = PoolDir(data_dir);
  CURVE_RETURN_IF_ERROR(fs->CreateDir(pool_dir));

  PoolMeta meta;
  std::string meta_path = MetaPath(data_dir);
  if (fs->Exists(meta_path)) {
    CURVE_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(fs, meta_path));
    CURVE_ASSIGN_OR_RETURN(meta, PoolMeta::Decode(text, meta_path));
    if (meta.chunk_size != options.chunk_size || meta.meta_page_size != options.meta_page_size) {
      return FailedPreconditionError("format " + data_dir + ": already formatted with chunk size " +
                                     std::to_string(meta.chunk_size) + " and meta page size " +
                                     std::to_string(meta.meta_page_size) +
                                     ", asked for chunk size " +
                                     std::to_string(options.chunk_size) + " and meta page size " +
                                     std::to_string(options.meta_page_size));
    }
    if (meta.state == PoolMeta::State::kFormatted) {
      logger->info("op=Format dir={} result=already-formatted chunks={}", data_dir,
                   meta.chunk_count);
      return Status::Ok();
    }
    logger->info("op=Format dir={} result=resuming target={}", data_dir, meta.chunk_count);
  } else {
    meta.chunk_size = options.chunk_size;
    meta.meta_page_size = options.meta_page_size;
    meta.chunk_count = options.chunk_count;
    if (meta.chunk_count == 0) {
      CURVE_ASSIGN_OR_RETURN(fs::SpaceInfo space, fs->Space(data_dir));
      uint64_t want = space.total_bytes / 100 * options.percent;
      meta.chunk_count = std::min(want, space.available_bytes) / meta.file_size();
      if (meta.chunk_count == 0) {
        return ResourceExhaustedError("format " + data_dir +
                                      ": disk full: " + std::to_string(space.available_bytes) +
                                      " bytes available, not one chunk file of " +
                                      std::to_string(meta.file_size()) + " bytes fits");
      }
    }
    CURVE_RETURN_IF_ERROR(WriteMeta(fs, data_dir, meta));
  }

  CURVE_ASSIGN_OR_RETURN(auto names, fs->List(pool_dir));
  uint64_t existing = 0;
  uint64_t next = 0;
  for (const auto& name : names) {
    uint64_t number = 0;
    NameKind kind = ParseName(name, &number);
    if (kind == NameKind::kTmp) {
      CURVE_RETURN_IF_ERROR(fs->Remove(fs::JoinPath(pool_dir, name)));
    } else if (kind == NameKind::kClean || kind == NameKind::kDirty) {
      existing++;
      next = std::max(next, number + 1);
    }
  }
  fs::OpenOptions create;
  create.create = true;
  create.exclusive = true;
  create.direct_io = true;
  for (; existing < meta.chunk_count; existing++, next++) {
    std::string final_path = fs::JoinPath(pool_dir, std::to_string(next));
    std::string tmp = final_path + ".tmp";
    Status status = [&]() -> Status {
      CURVE_ASSIGN_OR_RETURN(auto file, fs->Open(tmp, create));
      CURVE_RETURN_IF_ERROR(file->Allocate(meta.file_size()));
      CURVE_RETURN_IF_ERROR(ZeroFile(file.get(), meta.file_size()));
      return fs->RenameNoReplace(tmp, final_path);
    }();
    if (!status.ok()) {
      if (fs->Exists(tmp)) fs->Remove(tmp).IgnoreError();
      return status.WithContext("format " + data_dir + " (file " + std::to_string(existing + 1) +
                                " of " + std::to_string(meta.chunk_count) + ")");
    }
  }
  CURVE_RETURN_IF_ERROR(fs->SyncDir(pool_dir));
  meta.state = PoolMeta::State::kFormatted;
  CURVE_RETURN_IF_ERROR(WriteMeta(fs, data_dir, meta));
  logger->info("op=Format dir={} result=formatted chunks={} chunk_size={}", data_dir,
               meta.chunk_count, meta.chunk_size);
  return Status::Ok();
}

Result<std::unique_ptr<FilePool>> FilePool::Open(const std::string& data_dir, fs::FileSystem* fs) {
  std::string meta_path = MetaPath(data_dir);
  if (!fs->Exists(meta_path)) {
    return FailedPreconditionError("chunk file pool " + data_dir + " is not formatted (no " +
                                   meta_path + ")");
  }
  CURVE_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(fs, meta_path));
  CURVE_ASSIGN_OR_RETURN(PoolMeta meta, PoolMeta::Decode(text, meta_path));
  if (meta.state != PoolMeta::State::kFormatted) {
    return FailedPreconditionError("chunk file pool " + data_dir +
                                   " is only partly formatted: run format again to finish");
  }
  std::unique_ptr<FilePool> pool(new FilePool(data_dir, fs, meta));
  CURVE_ASSIGN_OR_RETURN(auto names, fs->List(pool->pool_dir_));
  for (const auto& name : names) {
    uint64_t number = 0;
    switch (ParseName(name, &number)) {
      case NameKind::kClean:
        pool->clean_.push_back(number);
        break;
      case NameKind::kDirty:
        pool->dirty_.push_back(number);
        break;
      case NameKind::kTmp:
        CURVE_RETURN_IF_ERROR(fs->Remove(fs::JoinPath(pool->pool_dir_, name)));
        continue;
      case NameKind::kOther:
        continue;
    }
    pool->next_number_ = std::max(pool->next_number_, number + 1);
  }
  // Sorted descending so TakeTo (which pops the back) hands out the lowest number first.
  std::sort(pool->clean_.begin(), pool->clean_.end(), std::greater<>());
  return pool;
}

FilePool::FilePool(std::string data_dir, fs::FileSystem* fs, PoolMeta meta)
    : data_dir_(std::move(data_dir)), pool_dir_(PoolDir(data_dir_)), fs_(fs), meta_(meta) {}

Status FilePool::Zero(const std::string& path) {
  fs::OpenOptions options;
  options.direct_io = true;
  CURVE_ASSIGN_OR_RETURN(auto file, fs_->Open(path, options));
  return ZeroFile(file.get(), meta_.file_size());
}

Result<bool> FilePool::CleanOneLocked() {
  if (dirty_.empty()) return false;
  uint64_t number = dirty_.back();
  std::string dirty = fs::JoinPath(pool_dir_, std::to_string(number) + ".dirty");
  std::string clean = fs::JoinPath(pool_dir_, std::to_string(number));
  CURVE_RETURN_IF_ERROR(Zero(dirty));
  CURVE_RETURN_IF_ERROR(fs_->RenameNoReplace(dirty, clean));
  dirty_.pop_back();
  clean_.push_back(number);
  return true;
}

Result<bool> FilePool::CleanOne() {
  std::lock_guard lock(mu_);
  return CleanOneLocked();
}

Status FilePool::TakeTo(const std::string& target) {
  std::lock_guard lock(mu_);
  if (clean_.empty()) {
    CURVE_ASSIGN_OR_RETURN(bool cleaned, CleanOneLocked());
    if (!cleaned) {
      return ResourceExhaustedError("chunk file pool " + pool_dir_ + " is exhausted: all " +
                                    std::to_string(meta_.chunk_count) + " files are in use");
    }
  }
  uint64_t number = clean_.back();
  std::string source = fs::JoinPath(pool_dir_, std::to_string(number));
  CURVE_RETURN_IF_ERROR(fs_->RenameNoReplace(source, target));
  clean_.pop_back();
  std::string target_dir = target.substr(0, target.rfind('/'));
  CURVE_RETURN_IF_ERROR(fs_->SyncDir(target_dir));
  return fs_->SyncDir(pool_dir_);
}

Status FilePool::Return(const std::string& path) {
  std::lock_guard lock(mu_);
  uint64_t number = next_number_;
  std::string target = fs::JoinPath(pool_dir_, std::to_string(number) + ".dirty");
  CURVE_RETURN_IF_ERROR(fs_->RenameNoReplace(path, target));
  next_number_++;
  dirty_.push_back(number);
  CURVE_RETURN_IF_ERROR(fs_->SyncDir(pool_dir_));
  std::string source_dir = path.substr(0, path.rfind('/'));
  return fs_->SyncDir(source_dir);
}

size_t FilePool::clean_count() const {
  std::lock_guard lock(mu_);
  return clean_.size();
}

size_t FilePool::dirty_count() const {
  std::lock_guard lock(mu_);
  return dirty_.size();
}

size_t FilePool::free_count() const {
  std::lock_guard lock(mu_);
  return clean_.size() + dirty_.size();
}

}  // namespace curve::chunkserver
