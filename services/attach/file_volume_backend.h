#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "services/attach/volume_backend.h"

namespace curve::attach {

// A VolumeBackend over an existing local file (its size is the volume size). Positional IO on one
// descriptor, so it is thread-safe. Flush is fdatasync.
class FileVolumeBackend : public VolumeBackend {
 public:
  // NOT_FOUND when the file does not exist; INVALID_ARGUMENT when it is empty.
  static Result<std::unique_ptr<FileVolumeBackend>> Open(const std::string& path);
  ~FileVolumeBackend() override;

  uint64_t Size() const override { return size_.load(); }
  // fstat of the file: a file grown by someone else is served at its new size.
  Result<uint64_t> Refresh() override;
  Status Read(uint64_t offset, size_t length, char* out) override;
  Status Write(uint64_t offset, size_t length, const char* data) override;
  Status Flush() override;
  std::string Describe() const override { return "file:" + path_; }

 private:
  FileVolumeBackend(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  Status CheckRange(uint64_t offset, size_t length) const;

  const int fd_;
  const std::string path_;
  std::atomic<uint64_t> size_;
};

}  // namespace curve::attach
