#pragma once

// CRC-32C (Castagnoli, the polynomial iSCSI and ext4 use), as stored in every write-ahead log
// frame and record. Uses the SSE4.2 instruction when the CPU has it, a table otherwise; both give
// the same values. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace curve::raft::crc32c {

// Extends `crc` (the value of a previous call, or 0 to start) over `data`.
uint32_t Extend(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

}  // namespace curve::raft::crc32c
