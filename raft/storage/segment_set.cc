#include "raft/storage/segment_set.h"

#include "raft/storage/wal_format.h"

namespace curve::raft {

std::string SegmentSet::PathOf(uint64_t seq) const {
  return fs::JoinPath(dir_, wal::SegmentName(seq));
}

void SegmentSet::Add(uint64_t seq, std::shared_ptr<fs::File> file) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[seq] = std::move(file);
}

void SegmentSet::Remove(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  files_.erase(seq);
}

std::vector<uint64_t> SegmentSet::Seqs() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint64_t> seqs;
  for (const auto& [seq, file] : files_) seqs.push_back(seq);
  return seqs;
}

Status SegmentSet::ReadEntriesRecord(const EntryLoc& loc, std::string* buf,
                                     wal::LogRecord* record) const {
  std::shared_ptr<fs::File> file;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(loc.seq);
    if (it == files_.end()) return NotFoundError("segment " + PathOf(loc.seq) + " is gone");
    file = it->second;
  }
  records_read_.fetch_add(1, std::memory_order_relaxed);
  std::string where = PathOf(loc.seq) + " offset " + std::to_string(loc.offset);
  buf->resize(loc.size);
  Result<size_t> got = file->Read(loc.offset, loc.size, buf->data());
  if (!got.ok()) return got.status().WithContext("read " + where);
  buf->resize(*got);
  if (buf->size() != loc.size) return DataLossError(where + ": record cut short");
  std::string_view in(*buf);
  Result<wal::RecordView> view = wal::ReadRecord(&in);
  if (!view.ok()) return DataLossError(where + ": " + view.status().message());
  Result<wal::LogRecord> decoded = wal::DecodeRecord(view->type, view->body);
  if (!decoded.ok()) return DataLossError(where + ": " + decoded.status().message());
  if (decoded->type != wal::RecordType::kEntries &&
      decoded->type != wal::RecordType::kMovedEntries) {
    return DataLossError(where + ": expected an entries record");
  }
  *record = *decoded;
  return Status::Ok();
}

}  // namespace curve::raft
