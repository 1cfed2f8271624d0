#pragma once

// CRC-32 (zlib's polynomial) over the small metadata records of the datastore: the pool's meta
// file and each chunk's header page. Thread-safe.

#include <cstdint>
#include <string_view>

#include <zlib.h>

namespace curve::chunkserver {

inline uint32_t Crc32(std::string_view data) {
  return static_cast<uint32_t>(
      ::crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

}  // namespace curve::chunkserver
