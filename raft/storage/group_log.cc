#include "raft/storage/group_log.h"

#include <algorithm>
#include <string>

namespace curve::raft {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

}  // namespace

GroupLog::GroupLog(GroupId id, GroupState state, const SegmentSet* segments,
                   const SnapshotFiles* snapshots, uint64_t cache_bytes)
    : id_(id),
      segments_(segments),
      snapshots_(snapshots),
      state_(std::move(state)),
      cache_(cache_bytes) {}

HardState GroupLog::InitialHardState() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.hard_state;
}

Index GroupLog::FirstIndex() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.FirstIndex();
}

Index GroupLog::LastIndex() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.LastIndex();
}

Result<Term> GroupLog::TermAt(Index index) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (index < state_.compacted.index) {
    return OutOfRangeError("group " + Str(id_) + ": index " + Str(index) + " is compacted");
  }
  if (index > state_.LastIndex()) {
    return InvalidArgumentError("group " + Str(id_) + ": index " + Str(index) +
                                " is past the last index " + Str(state_.LastIndex()));
  }
  std::optional<Term> term = state_.TermOf(index);
  if (!term) return InternalError("group " + Str(id_) + ": no term for entry " + Str(index));
  return *term;
}

Result<std::vector<Entry>> GroupLog::Entries(Index lo, Index hi, uint64_t max_bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  return EntriesLocked(lo, hi, max_bytes);
}

Result<std::vector<Entry>> GroupLog::EntriesLocked(Index lo, Index hi, uint64_t max_bytes) const {
  if (lo < state_.FirstIndex()) {
    return OutOfRangeError("group " + Str(id_) + ": index " + Str(lo) + " is compacted");
  }
  if (hi > state_.LastIndex() + 1 || lo > hi) {
    return InvalidArgumentError("group " + Str(id_) + ": range [" + Str(lo) + "," + Str(hi) +
                                ") is past the last index " + Str(state_.LastIndex()));
  }
  std::vector<Entry> out;
  uint64_t bytes = 0;
  bool full = false;
  auto fits = [&](uint64_t size) {
    if (full) return false;
    bytes += size;
    if (!out.empty() && bytes > max_bytes) full = true;
    return !full;
  };

  Index cache_first = cache_.first();
  Index disk_end = cache_first == 0 ? hi : std::min(hi, cache_first);
  Index i = lo;
  std::string buf;
  wal::LogRecord record;
  while (i < disk_end && !full) {
    const EntryLoc* loc = state_.entries.Get(i);
    if (loc == nullptr) return InternalError("group " + Str(id_) + ": entry " + Str(i) + " lost");
    const EntryLoc at = *loc;
    CURVE_RETURN_IF_ERROR(segments_->ReadEntriesRecord(at, &buf, &record));
    Index next = i;
    Status damaged;
    CURVE_RETURN_IF_ERROR(wal::ForEachEntry(record, [&](const wal::EntryView& e) {
      if (e.index != next || next >= disk_end || full || !damaged.ok()) return;
      const EntryLoc* l = state_.entries.Get(e.index);
      if (l == nullptr || l->seq != at.seq || l->offset != at.offset) return;
      if (l->term != e.term) {
        damaged = DataLossError(segments_->PathOf(at.seq) + " offset " + Str(at.offset) +
                                ": entry " + Str(e.index) + " has term " + Str(e.term) +
                                ", the index says " + Str(l->term));
        return;
      }
      if (!fits(e.data.size() + 24)) return;
      out.push_back(Entry{e.term, e.index, e.type, std::string(e.data)});
      ++disk_reads_;
      ++next;
    }));
    CURVE_RETURN_IF_ERROR(damaged);
    if (next == i && !full) {
      return DataLossError(segments_->PathOf(at.seq) + " offset " + Str(at.offset) +
                           ": record does not hold entry " + Str(i) + " of group " + Str(id_));
    }
    i = next;
  }
  for (; i < hi && !full; ++i) {
    const Entry* e = cache_.Get(i);
    if (e == nullptr) return InternalError("group " + Str(id_) + ": cache lost entry " + Str(i));
    if (!fits(e->ByteSize())) break;
    out.push_back(*e);
    ++cache_hits_;
  }
  return out;
}

SnapshotMeta GroupLog::LatestSnapshotMeta() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.snapshot.meta;
}

Result<Snapshot> GroupLog::LatestSnapshot() const {
  // Under the lock: the payload file of a superseded snapshot is deleted only after the writer
  // has applied the newer one, which needs this lock.
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_ASSIGN_OR_RETURN(std::string data, snapshots_->Read(id_, state_.snapshot));
  return Snapshot{state_.snapshot.meta, std::move(data)};
}

bool GroupLog::HasRecords() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.HasRecords();
}

uint64_t GroupLog::cache_hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_hits_;
}

uint64_t GroupLog::disk_reads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return disk_reads_;
}

Status GroupLog::Apply(const std::vector<LocatedRecord>& records, std::vector<Entry> appended) {
  std::lock_guard<std::mutex> lock(mu_);
  bool truncated = false;
  for (const LocatedRecord& r : records) {
    CURVE_RETURN_IF_ERROR(ApplyRecord(&state_, r.record, r.seq, r.offset, r.size));
    if (r.record.type == wal::RecordType::kEntries) truncated = true;
    if (r.record.type == wal::RecordType::kSnapshot && r.record.install) cache_.Clear();
  }
  if (!appended.empty()) {
    cache_.Append(std::move(appended));
  } else if (truncated) {
    cache_.Clear();
  }
  cache_.DropThrough(state_.compacted.index);
  return Status::Ok();
}

void GroupLog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  state_ = GroupState{};
  cache_.Clear();
}

}  // namespace curve::raft
