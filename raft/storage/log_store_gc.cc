// LogStore's garbage collection: deleting segments no group needs, and copying the live records
// of groups that pin old segments forward (the rules are in log_store.h).

#include <limits>

#include "common/logging.h"
#include "raft/storage/log_store.h"
#include "raft/storage/wal_format.h"

namespace curve::raft {
namespace {

constexpr uint64_t kMaxMovedRecordBytes = 1 << 20;

}  // namespace

Status LogStore::CollectGarbageNow() {
  CURVE_RETURN_IF_ERROR(RemoveSegmentsBelow(MinNeededSeq()));
  if (segments_.Seqs().size() > options_.max_segments) {
    uint64_t keep_from = active_seq_ + 1 - options_.max_segments;
    CURVE_RETURN_IF_ERROR(Relocate(keep_from));
    CURVE_RETURN_IF_ERROR(RemoveSegmentsBelow(MinNeededSeq()));
  }
  rolled_ = false;  // rolls made by relocation do not call for another pass
  return Status::Ok();
}

uint64_t LogStore::MinNeededSeq() const {
  uint64_t min = active_seq_;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, group] : groups_) min = std::min(min, group->state().MinSeq());
  return min;
}

Status LogStore::RemoveSegmentsBelow(uint64_t seq) {
  for (uint64_t s : segments_.Seqs()) {
    if (s >= seq || s == active_seq_) break;
    std::string path = segments_.PathOf(s);
    CURVE_RETURN_IF_ERROR(fs_->Remove(path));
    segments_.Remove(s);
    // One at a time, so a crash leaves the remaining segments contiguous.
    CURVE_RETURN_IF_ERROR(fs_->SyncDir(options_.dir).WithContext("remove " + path));
    log::Get("raft")->debug("op=RemoveSegment file={}", path);
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.segments_removed;
  }
  return Status::Ok();
}

Status LogStore::Relocate(uint64_t keep_from) {
  std::vector<std::shared_ptr<GroupLog>> pinned;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, group] : groups_) {
      if (group->state().MinSeq() < keep_from) pinned.push_back(group);
    }
  }
  uint64_t moved = 0;
  std::string frame;
  wal::BeginFrame(&frame);
  auto flush = [&]() -> Status {
    if (frame.size() == wal::kFrameHeaderSize) return Status::Ok();
    wal::FinishFrame(&frame);
    // Synced even without options_.sync: the old copies are deleted right after.
    CURVE_ASSIGN_OR_RETURN(auto pos, AppendFrame(frame, true));
    CURVE_RETURN_IF_ERROR(ApplyFrame(frame, pos.first, pos.second, {}));
    moved += frame.size();
    wal::BeginFrame(&frame);
    return Status::Ok();
  };
  for (const auto& group : pinned) {
    CURVE_RETURN_IF_ERROR(EncodeRelocation(*group, keep_from, &frame));
    if (frame.size() >= options_.segment_bytes / 2) CURVE_RETURN_IF_ERROR(flush());
  }
  CURVE_RETURN_IF_ERROR(flush());
  log::Get("raft")->info("op=RelocateLog dir={} groups={} bytes={} keep_from={}", options_.dir,
                         pinned.size(), moved, keep_from);
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.relocated_bytes += moved;
  return Status::Ok();
}

Status LogStore::EncodeRelocation(const GroupLog& group, uint64_t keep_from, std::string* frame) {
  const GroupState& s = group.state();
  GroupId id = group.id();
  if (s.snapshot_seq != 0 && s.snapshot_seq < keep_from) {
    wal::EncodeSnapshot(frame, id, s.snapshot, /*install=*/false);
  }
  if (s.compacted_seq != 0 && s.compacted_seq < keep_from) {
    wal::EncodeCompact(frame, id, s.compacted);
  }
  if (s.hard_state_seq != 0 && s.hard_state_seq < keep_from) {
    wal::EncodeHardState(frame, id, s.hard_state);
  }
  // Every run of entries stored in the old segments. After an earlier relocation these need not
  // be a prefix of the log.
  Index index = s.FirstIndex();
  while (index <= s.LastIndex()) {
    const EntryLoc* loc = s.entries.Get(index);
    if (loc == nullptr) return InternalError("group " + std::to_string(id) + " lost an entry");
    if (loc->seq >= keep_from) {
      ++index;
      continue;
    }
    Index end = index;
    while (end <= s.LastIndex() && s.entries.Get(end)->seq < keep_from) ++end;
    while (index < end) {
      CURVE_ASSIGN_OR_RETURN(std::vector<Entry> entries,
                             group.Entries(index, end, kMaxMovedRecordBytes));
      wal::EncodeEntries(frame, wal::RecordType::kMovedEntries, id, entries.data(), entries.size());
      index += entries.size();
    }
  }
  return Status::Ok();
}

}  // namespace curve::raft
