#include "raft/storage/wal_recovery.h"

#include <algorithm>

#include "common/logging.h"
#include "raft/storage/crc32c.h"
#include "raft/storage/wal_format.h"
#include "raft/storage/wal_record.h"

namespace curve::raft {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

// The payload of the frame at `offset` of a segment's contents, or why there is none.
Result<std::string_view> ParseFrame(std::string_view data, uint64_t offset) {
  if (data.size() - offset < wal::kFrameHeaderSize) return DataLossError("frame header cut short");
  uint32_t crc = wal::DecodeFixed32(data.data() + offset);
  uint32_t length = wal::DecodeFixed32(data.data() + offset + 4);
  if (length == 0 || length > wal::kMaxFrameLength) {
    return DataLossError("bad frame length " + Str(length));
  }
  if (data.size() - offset - wal::kFrameHeaderSize < length) {
    return DataLossError("frame of " + Str(length) + " bytes cut short");
  }
  if (crc32c::Extend(0, data.data() + offset + 4, length + 4) != crc) {
    return DataLossError("frame checksum mismatch");
  }
  return data.substr(offset + wal::kFrameHeaderSize, length);
}

// Whether a valid frame follows the damaged one at `offset`, judging by its length field.
bool ValidFrameFollows(std::string_view data, uint64_t offset) {
  if (data.size() - offset < wal::kFrameHeaderSize) return false;
  uint64_t length = wal::DecodeFixed32(data.data() + offset + 4);
  uint64_t next = offset + wal::kFrameHeaderSize + length;
  if (length == 0 || next >= data.size()) return false;
  return ParseFrame(data, next).ok();
}

class Replayer {
 public:
  Replayer(fs::FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}

  Result<RecoveredLog> Run();

 private:
  Status ReplaySegment(uint64_t seq, bool last);
  Status ReplayFrame(std::string_view payload, uint64_t seq, uint64_t payload_offset,
                     const std::string& path);

  fs::FileSystem* fs_;
  std::string dir_;
  RecoveredLog out_;
};

Result<RecoveredLog> Replayer::Run() {
  CURVE_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_->List(dir_));
  std::vector<uint64_t> seqs;
  for (const std::string& name : names) {
    if (std::optional<uint64_t> seq = wal::ParseSegmentName(name)) seqs.push_back(*seq);
  }
  std::sort(seqs.begin(), seqs.end());
  for (size_t i = 1; i < seqs.size(); ++i) {
    if (seqs[i] != seqs[i - 1] + 1) {
      return DataLossError("write-ahead log segment " +
                           fs::JoinPath(dir_, wal::SegmentName(seqs[i - 1] + 1)) + " is missing");
    }
  }
  for (size_t i = 0; i < seqs.size(); ++i) {
    CURVE_RETURN_IF_ERROR(ReplaySegment(seqs[i], i + 1 == seqs.size()));
  }
  for (const auto& [group, state] : out_.groups)
    CURVE_RETURN_IF_ERROR(CheckRecovered(group, state));
  std::erase_if(out_.groups, [](const auto& kv) { return !kv.second.HasRecords(); });
  return std::move(out_);
}

Status Replayer::ReplaySegment(uint64_t seq, bool last) {
  std::string path = fs::JoinPath(dir_, wal::SegmentName(seq));
  CURVE_ASSIGN_OR_RETURN(std::unique_ptr<fs::File> owned, fs_->Open(path, {}));
  std::shared_ptr<fs::File> file = std::move(owned);
  CURVE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  if (size >= (uint64_t{1} << 32)) return DataLossError(path + ": segment larger than 4 GiB");
  std::string data(size, '\0');
  CURVE_ASSIGN_OR_RETURN(size_t got, file->Read(0, size, data.data()));
  data.resize(got);
  if (data.size() != size) return DataLossError(path + ": short read");

  Result<wal::SegmentHeader> header = wal::DecodeSegmentHeader(data);
  if (!header.ok()) {
    bool frame_follows =
        size > wal::kSegmentHeaderSize && ParseFrame(data, wal::kSegmentHeaderSize).ok();
    if (last && !frame_follows) {
      log::Get("raft")->warn(
          "op=RecoverLog file={} msg=\"removing a segment whose creation never "
          "completed\" err=\"{}\"",
          path, header.status().message());
      file.reset();
      CURVE_RETURN_IF_ERROR(fs_->Remove(path));
      return fs_->SyncDir(dir_);
    }
    return DataLossError(path + " offset 0: " + header.status().message());
  }
  if (header->seq != seq) {
    return DataLossError(path + ": header says segment " + Str(header->seq));
  }
  bool strict = (header->flags & wal::kStrictSync) != 0;

  uint64_t offset = wal::kSegmentHeaderSize;
  while (offset < size) {
    Result<std::string_view> frame = ParseFrame(data, offset);
    if (!frame.ok()) {
      std::string where = path + " offset " + Str(offset);
      if (!last) return DataLossError(where + ": " + frame.status().message());
      if (strict && ValidFrameFollows(data, offset)) {
        return DataLossError(where + ": " + frame.status().message() +
                             ", yet a valid frame follows (not a torn tail)");
      }
      bool zeros = std::all_of(data.begin() + static_cast<std::ptrdiff_t>(offset), data.end(),
                               [](char c) { return c == 0; });
      if (zeros) {
        // The zero-filled space ahead of the last frame (log_store.h): nothing was lost.
        log::Get("raft")->info("op=RecoverLog file={} offset={} msg=\"dropping the zero tail\"",
                               path, offset);
      } else {
        log::Get("raft")->warn(
            "op=RecoverLog file={} offset={} dropped_bytes={} msg=\"truncating "
            "a torn tail\" err=\"{}\"",
            path, offset, size - offset, frame.status().message());
        out_.truncated_bytes += size - offset;
      }
      CURVE_RETURN_IF_ERROR(file->Truncate(offset));
      CURVE_RETURN_IF_ERROR(file->Sync());
      size = offset;
      break;
    }
    CURVE_RETURN_IF_ERROR(ReplayFrame(*frame, seq, offset + wal::kFrameHeaderSize, path));
    offset += wal::kFrameHeaderSize + frame->size();
  }
  if (last) {
    // What the previous run wrote last may sit in the page cache only (its sync failed or never
    // ran); new segments will follow this one, so it must be durable before they exist.
    CURVE_RETURN_IF_ERROR(file->Sync().WithContext("sync " + path));
  }
  out_.segments.push_back(RecoveredSegment{seq, std::move(file), size});
  out_.last_seq = seq;
  return Status::Ok();
}

Status Replayer::ReplayFrame(std::string_view payload, uint64_t seq, uint64_t payload_offset,
                             const std::string& path) {
  std::string_view in = payload;
  while (!in.empty()) {
    uint64_t offset = payload_offset + (payload.size() - in.size());
    std::string where = path + " offset " + Str(offset);
    Result<wal::RecordView> view = wal::ReadRecord(&in);
    if (!view.ok()) return DataLossError(where + ": " + view.status().message());
    Result<wal::LogRecord> record = wal::DecodeRecord(view->type, view->body);
    if (!record.ok()) return DataLossError(where + ": " + record.status().message());
    if (record->type == wal::RecordType::kRemoveGroup) {
      out_.groups.erase(record->group);
      continue;
    }
    Status applied = ApplyRecord(&out_.groups[record->group], *record, seq,
                                 static_cast<uint32_t>(offset), static_cast<uint32_t>(view->size));
    if (!applied.ok()) return DataLossError(where + ": " + applied.message());
  }
  return Status::Ok();
}

}  // namespace

Result<RecoveredLog> RecoverLog(fs::FileSystem* fs, const std::string& dir) {
  return Replayer(fs, dir).Run();
}

}  // namespace curve::raft
