#pragma once

// A checksummed data pattern for data-path tests: every 4 KiB block is derived from its volume
// offset and a generation, and ends with both, so a block read back from the wrong place or an
// older write is recognised.

#include <cstdint>
#include <cstring>
#include <string>

namespace curve::testing {

inline std::string PatternBlock(uint64_t offset, uint64_t generation) {
  std::string block(4096, '\0');
  uint64_t x = offset * 0x9E3779B97F4A7C15ull + generation * 0xBF58476D1CE4E5B9ull + 1;
  for (size_t i = 0; i + 8 <= block.size() - 16; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(&block[i], &x, 8);
  }
  std::memcpy(&block[4096 - 16], &offset, 8);
  std::memcpy(&block[4096 - 8], &generation, 8);
  return block;
}

// `length` bytes (a multiple of 4096) of the pattern starting at `offset`.
inline std::string PatternRange(uint64_t offset, uint64_t length, uint64_t generation) {
  std::string data;
  data.reserve(length);
  for (uint64_t at = offset; at < offset + length; at += 4096) {
    data += PatternBlock(at, generation);
  }
  return data;
}

}  // namespace curve::testing
