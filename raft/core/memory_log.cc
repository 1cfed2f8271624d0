#include "raft/core/memory_log.h"

#include <string>

namespace curve::raft {

MemoryLog MemoryLog::Bootstrap(const Configuration& config) {
  MemoryLog log;
  log.snapshot_.meta.config = config;
  return log;
}

Result<Term> MemoryLog::TermAt(Index index) const {
  if (index < compacted_.index) {
    return OutOfRangeError("index " + std::to_string(index) + " is compacted");
  }
  if (index == compacted_.index) return compacted_.term;
  if (index > LastIndex()) {
    return InvalidArgumentError("index " + std::to_string(index) + " is past the last index " +
                                std::to_string(LastIndex()));
  }
  return entries_[index - compacted_.index - 1].term;
}

Result<std::vector<Entry>> MemoryLog::Entries(Index lo, Index hi, uint64_t max_bytes) const {
  if (lo < FirstIndex()) {
    return OutOfRangeError("index " + std::to_string(lo) + " is compacted");
  }
  if (hi > LastIndex() + 1 || lo > hi) {
    return InvalidArgumentError("range [" + std::to_string(lo) + "," + std::to_string(hi) +
                                ") is past the last index " + std::to_string(LastIndex()));
  }
  std::vector<Entry> out;
  uint64_t bytes = 0;
  for (Index i = lo; i < hi; ++i) {
    const Entry& e = entries_[i - compacted_.index - 1];
    bytes += e.ByteSize();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Status MemoryLog::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return Status::Ok();
  Index first = entries.front().index;
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].index != first + i) return InvalidArgumentError("entries are not contiguous");
  }
  if (first <= compacted_.index) {
    return OutOfRangeError("append at " + std::to_string(first) + " is at or before compaction " +
                           std::to_string(compacted_.index));
  }
  if (first > LastIndex() + 1) {
    return InvalidArgumentError("append at " + std::to_string(first) + " leaves a gap after " +
                                std::to_string(LastIndex()));
  }
  entries_.resize(first - compacted_.index - 1);
  entries_.insert(entries_.end(), entries.begin(), entries.end());
  return Status::Ok();
}

Status MemoryLog::ApplySnapshot(const Snapshot& snapshot) {
  if (snapshot.meta.index < snapshot_.meta.index) {
    return FailedPreconditionError("snapshot at " + std::to_string(snapshot.meta.index) +
                                   " is older than " + std::to_string(snapshot_.meta.index));
  }
  snapshot_ = snapshot;
  compacted_ = EntryId{snapshot.meta.term, snapshot.meta.index};
  entries_.clear();
  return Status::Ok();
}

Status MemoryLog::CreateSnapshot(Index index, const Configuration& config, std::string data) {
  if (index < snapshot_.meta.index || index > LastIndex()) {
    return OutOfRangeError("snapshot index " + std::to_string(index) + " outside [" +
                           std::to_string(snapshot_.meta.index) + "," +
                           std::to_string(LastIndex()) + "]");
  }
  CURVE_ASSIGN_OR_RETURN(Term term, TermAt(index));
  snapshot_.meta = SnapshotMeta{index, term, config};
  snapshot_.data = std::move(data);
  return Status::Ok();
}

Status MemoryLog::Compact(Index index) {
  if (index <= compacted_.index) return Status::Ok();
  if (index > snapshot_.meta.index) {
    return FailedPreconditionError("compact to " + std::to_string(index) +
                                   " beyond the snapshot at " +
                                   std::to_string(snapshot_.meta.index));
  }
  CURVE_ASSIGN_OR_RETURN(Term term, TermAt(index));
  entries_.erase(entries_.begin(), entries_.begin() + (index - compacted_.index));
  compacted_ = EntryId{term, index};
  return Status::Ok();
}

}  // namespace curve::raft
