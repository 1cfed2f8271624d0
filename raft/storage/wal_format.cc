#include "raft/storage/wal_format.h"

#include <cstdio>
#include <cstring>

#include "raft/storage/crc32c.h"

namespace curve::raft::wal {

std::string SegmentName(uint64_t seq) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "wal-%020llu.log", static_cast<unsigned long long>(seq));
  return buf;
}

std::optional<uint64_t> ParseSegmentName(std::string_view name) {
  constexpr std::string_view kPrefix = "wal-";
  constexpr std::string_view kSuffix = ".log";
  if (name.size() != kPrefix.size() + 20 + kSuffix.size()) return std::nullopt;
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  uint64_t seq = 0;
  for (char c : name.substr(kPrefix.size(), 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t next = seq * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != seq) return std::nullopt;  // overflow
    seq = next;
  }
  return seq;
}

std::string EncodeSegmentHeader(const SegmentHeader& header) {
  std::string out(kMagic, sizeof(kMagic));
  PutFixed64(&out, header.seq);
  PutFixed32(&out, header.flags);
  PutFixed32(&out, crc32c::Value(out));
  return out;
}

Result<SegmentHeader> DecodeSegmentHeader(std::string_view data) {
  if (data.size() < kSegmentHeaderSize) return DataLossError("segment header is truncated");
  if (std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) {
    return DataLossError("segment header has a bad magic number");
  }
  if (crc32c::Value(data.substr(0, 20)) != DecodeFixed32(data.data() + 20)) {
    return DataLossError("segment header checksum mismatch");
  }
  return SegmentHeader{DecodeFixed64(data.data() + 8), DecodeFixed32(data.data() + 16)};
}

void BeginFrame(std::string* frame) {
  frame->clear();
  frame->append(kFrameHeaderSize, '\0');
}

void FinishFrame(std::string* frame) {
  auto length = static_cast<uint32_t>(frame->size() - kFrameHeaderSize);
  EncodeFixed32(frame->data() + 4, length);
  EncodeFixed32(frame->data(), crc32c::Extend(0, frame->data() + 4, frame->size() - 4));
}

size_t BeginRecord(std::string* out, uint8_t type) {
  size_t offset = out->size();
  out->append(8, '\0');
  out->push_back(static_cast<char>(type));
  return offset;
}

void FinishRecord(std::string* out, size_t record_offset) {
  char* rec = out->data() + record_offset;
  size_t body = out->size() - record_offset - kRecordHeaderSize;
  EncodeFixed32(rec + 4, static_cast<uint32_t>(body));
  EncodeFixed32(rec, crc32c::Extend(0, rec + 8, body + 1));
}

Result<RecordView> ReadRecord(std::string_view* in) {
  if (in->size() < kRecordHeaderSize) return DataLossError("record header is truncated");
  uint32_t crc = DecodeFixed32(in->data());
  uint32_t length = DecodeFixed32(in->data() + 4);
  if (in->size() - kRecordHeaderSize < length) {
    return DataLossError("record of " + std::to_string(length) + " bytes overruns its frame");
  }
  if (crc32c::Extend(0, in->data() + 8, length + 1) != crc) {
    return DataLossError("record checksum mismatch");
  }
  RecordView view{static_cast<uint8_t>((*in)[8]), in->substr(kRecordHeaderSize, length),
                  kRecordHeaderSize + length};
  in->remove_prefix(view.size);
  return view;
}

}  // namespace curve::raft::wal
