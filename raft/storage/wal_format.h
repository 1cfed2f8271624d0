#pragma once

// The physical layout of the shared write-ahead log. One log per process (per disk) holds the
// records of every raft group hosted there, so that many groups share each fdatasync.
//
// Directory layout:
//   <dir>/wal-<seq: 20 decimal digits>.log   segments, seq increasing by one, no gaps
//   <dir>/snap/<group: 16 hex>-<id: 16 hex>.snap   snapshot payloads (snapshot_files.h)
//
// Segment:
//   header  := magic "CRVWAL01" (8) | seq (fixed64) | flags (fixed32) | crc32c of the 20 bytes
//              before it (fixed32)                                        = 24 bytes
//   frame*  := crc (fixed32) | length (fixed32, > 0) | payload[length]
//              crc = crc32c over the length field and the payload.
// A frame is one group commit: every batch coalesced into one write, written with one pwrite and
// made durable with one fdatasync. A frame never spans segments; a segment rolls over once it
// exceeds the configured size. Flag kStrictSync marks a segment whose writer synced each frame
// before writing the next, so at most its last frame can be torn by a crash.
// The active segment is zero-filled ahead of its last frame (a frame then overwrites existing
// blocks, and its fdatasync needs no file-system journal commit for a new size); rolling over or
// closing cuts the zeros off, so only the last segment after a crash ends in zeros, which
// recovery drops like a torn tail.
//
// Frame payload := record*
//   record := crc (fixed32) | length (fixed32) | type (1) | body[length]
//             crc = crc32c over the type byte and the body.
// Records carry their own CRC so one entry can be read back (pread of its record) and verified
// without reading the whole frame. Record bodies are described in wal_record.h.
//
// All fixed-width integers are little-endian.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace curve::raft::wal {

inline constexpr char kMagic[8] = {'C', 'R', 'V', 'W', 'A', 'L', '0', '1'};
inline constexpr uint64_t kSegmentHeaderSize = 24;
inline constexpr uint64_t kFrameHeaderSize = 8;
inline constexpr uint64_t kRecordHeaderSize = 9;
inline constexpr uint32_t kMaxFrameLength = 1u << 30;

inline constexpr uint32_t kStrictSync = 1;

inline void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void EncodeFixed32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

// "wal-00000000000000000042.log".
std::string SegmentName(uint64_t seq);
// The seq of a segment file name; nullopt for any other name.
std::optional<uint64_t> ParseSegmentName(std::string_view name);

struct SegmentHeader {
  uint64_t seq = 0;
  uint32_t flags = 0;
};
std::string EncodeSegmentHeader(const SegmentHeader& header);
// DataLoss when `data` (at least kSegmentHeaderSize bytes) is not a valid header.
Result<SegmentHeader> DecodeSegmentHeader(std::string_view data);

// Builds a frame in place: Begin reserves its header, records are appended, Finish fills in the
// header. The frame must hold at least one record.
void BeginFrame(std::string* frame);
void FinishFrame(std::string* frame);

// Appends a record of `type` whose body is produced by the caller between BeginRecord and
// FinishRecord; returns the record's offset in *out for FinishRecord.
size_t BeginRecord(std::string* out, uint8_t type);
void FinishRecord(std::string* out, size_t record_offset);

// Verifies one record at the front of *in (a frame payload or a record read back alone) and
// consumes it. DataLoss (without location; callers add it) when malformed.
struct RecordView {
  uint8_t type = 0;
  std::string_view body;
  uint64_t size = 0;  // header + body
};
Result<RecordView> ReadRecord(std::string_view* in);

}  // namespace curve::raft::wal
