#pragma once

// The chunk file pool's meta file (<data_dir>/chunkfilepool.meta): what a formatted directory
// holds. Text, one key=value per line, the last line a CRC-32 of everything before it, so a torn
// or hand-edited file is detected instead of trusted.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace curve::chunkserver {

struct PoolMeta {
  // kFormatting: Format started (the target count is fixed) and may be resumed; kFormatted: every
  // pool file exists.
  enum class State { kFormatting, kFormatted };

  State state = State::kFormatting;
  uint64_t chunk_size = 0;      // data bytes per chunk
  uint32_t meta_page_size = 0;  // header bytes in front of the data
  uint64_t chunk_count = 0;     // files the pool was formatted with

  uint64_t file_size() const { return chunk_size + meta_page_size; }

  std::string Encode() const;

  // DATA_LOSS naming `origin` on a bad checksum, version or field.
  static Result<PoolMeta> Decode(std::string_view text, const std::string& origin);
};

}  // namespace curve::chunkserver
