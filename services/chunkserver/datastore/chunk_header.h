#pragma once

// The header page at the front of every chunk file (the data follows it). Layout, little endian:
//   0  magic "CURVECHK"     8  version u32   12 kind u32 (0 a chunk, 1 a preserved copy)
//   16 chunk id u64         24 sequence u64  32 chunk size u64
//   40 page size u32        44 crc32 of bytes [0, 44)
// The rest of the page is zero. An all-zero page is a pool file that never became a chunk.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace curve::chunkserver {

using ChunkId = uint64_t;

struct ChunkHeader {
  enum class Kind : uint32_t {
    kChunk = 0,
    // A chunk's preserved copy (copy-on-write snapshots): `sequence` is the snapshot sequence it
    // was preserved at. Files of version 1 written before copies existed have 0 here.
    kPreserved = 1,
  };
  Kind kind = Kind::kChunk;
  ChunkId chunk_id = 0;
  // The volume sequence number of the last write: the hook for copy-on-write snapshots (a write
  // with a higher sequence will first preserve the chunk's current contents).
  uint64_t sequence = 0;
  uint64_t chunk_size = 0;
  uint32_t page_size = 0;

  // Fills `page` (page_size bytes) with the encoded header.
  void EncodeTo(char* page) const;

  // DATA_LOSS naming `path` when the magic, version, kind or checksum is wrong.
  static Result<ChunkHeader> Decode(std::string_view page, const std::string& path);
};

}  // namespace curve::chunkserver
