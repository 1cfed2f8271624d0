#pragma once

// A heap buffer aligned for O_DIRECT IO, zero-filled at allocation. Move-only; not thread-safe.

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace curve::chunkserver {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(size_t size, size_t alignment = 4096) : size_(size) {
    if (size == 0) return;
    void* p = nullptr;
    if (::posix_memalign(&p, alignment, size) != 0) throw std::bad_alloc();
    std::memset(p, 0, size);
    data_ = static_cast<char*>(p);
  }
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(data_); }

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace curve::chunkserver
