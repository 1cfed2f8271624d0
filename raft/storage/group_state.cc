#include "raft/storage/group_state.h"

#include <algorithm>
#include <limits>

namespace curve::raft {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

}  // namespace

std::optional<Term> GroupState::TermOf(Index index) const {
  if (index == compacted.index) return compacted.term;
  const EntryLoc* loc = entries.Get(index);
  if (loc == nullptr || index < compacted.index) return std::nullopt;
  return loc->term;
}

bool GroupState::HasRecords() const {
  return hard_state_seq != 0 || snapshot_seq != 0 || compacted_seq != 0 || !entries.empty();
}

uint64_t GroupState::MinSeq() const {
  uint64_t min = std::numeric_limits<uint64_t>::max();
  for (uint64_t seq : {hard_state_seq, snapshot_seq, compacted_seq}) {
    if (seq != 0) min = std::min(min, seq);
  }
  if (std::optional<uint64_t> seq = entries.MinSeq()) min = std::min(min, *seq);
  return min;
}

Status ApplyRecord(GroupState* state, const wal::LogRecord& record, uint64_t seq, uint32_t offset,
                   uint32_t size) {
  switch (record.type) {
    case wal::RecordType::kEntries:
    case wal::RecordType::kMovedEntries: {
      if (record.type == wal::RecordType::kEntries) state->entries.TruncateFrom(record.first_index);
      Index floor = state->compacted.index;
      return wal::ForEachEntry(record, [&](const wal::EntryView& e) {
        if (e.index > floor) state->entries.Set(e.index, EntryLoc{seq, offset, size, e.term});
      });
    }
    case wal::RecordType::kHardState:
      state->hard_state = record.hard_state;
      state->hard_state_seq = seq;
      return Status::Ok();
    case wal::RecordType::kSnapshot:
      state->snapshot = record.snapshot;
      state->snapshot_seq = seq;
      if (record.install) {
        state->entries.Clear();
        state->compacted = EntryId{record.snapshot.meta.term, record.snapshot.meta.index};
        state->compacted_seq = seq;
      }
      return Status::Ok();
    case wal::RecordType::kCompact:
      state->entries.DropThrough(record.compact.index);
      if (record.compact.index >= state->compacted.index) {
        state->compacted = record.compact;
        state->compacted_seq = seq;
      }
      return Status::Ok();
    case wal::RecordType::kRemoveGroup:
      break;
  }
  return InternalError("ApplyRecord given a record of type " +
                       Str(static_cast<uint64_t>(record.type)));
}

Status CheckRecovered(GroupId group, const GroupState& s) {
  std::string g = "group " + Str(group) + ": ";
  if (!s.entries.empty()) {
    if (std::optional<Index> hole = s.entries.FirstHole()) {
      return DataLossError(g + "entry " + Str(*hole) + " is missing from the log");
    }
    if (s.entries.first() != s.compacted.index + 1) {
      return DataLossError(g + "entries start at " + Str(s.entries.first()) +
                           " but the compaction point is " + Str(s.compacted.index));
    }
  }
  if (s.snapshot.meta.index < s.compacted.index || s.snapshot.meta.index > s.LastIndex()) {
    return DataLossError(g + "snapshot at " + Str(s.snapshot.meta.index) + " outside the log [" +
                         Str(s.compacted.index) + "," + Str(s.LastIndex()) + "]");
  }
  if (s.hard_state.commit > s.LastIndex()) {
    return DataLossError(g + "commit index " + Str(s.hard_state.commit) +
                         " is past the last entry " + Str(s.LastIndex()));
  }
  return Status::Ok();
}

Result<WritePlan> PlanGroupWrite(const GroupState& s, const GroupWrite& w) {
  std::string g = "group " + Str(w.group) + ": ";
  WritePlan plan;
  if (w.remove) {
    if (w.snapshot || !w.entries.empty() || w.hard_state || w.compact_to) {
      return InvalidArgumentError(g + "removal combined with other operations");
    }
    return plan;
  }
  EntryId compacted = s.compacted;
  Index snap_index = s.snapshot.meta.index;
  Index last = s.LastIndex();
  bool cleared = false;
  Index new_first = 0;  // first appended index, 0 when none
  auto term_of = [&](Index i) -> std::optional<Term> {
    if (new_first != 0 && i >= new_first) return w.entries[i - new_first].term;
    if (i == compacted.index) return compacted.term;
    if (cleared || i < compacted.index) return std::nullopt;
    return s.TermOf(i);
  };

  if (w.snapshot) {
    const SnapshotMeta& meta = w.snapshot->meta;
    if (w.install_snapshot) {
      if (meta.index < snap_index) {
        return FailedPreconditionError(g + "snapshot at " + Str(meta.index) +
                                       " is older than the current one at " + Str(snap_index));
      }
      compacted = EntryId{meta.term, meta.index};
      last = meta.index;
      cleared = true;
    } else {
      if (meta.index < snap_index || meta.index > last) {
        return OutOfRangeError(g + "snapshot index " + Str(meta.index) + " outside [" +
                               Str(snap_index) + "," + Str(last) + "]");
      }
      std::optional<Term> term = term_of(meta.index);
      if (!term || *term != meta.term) {
        return InvalidArgumentError(g + "snapshot term " + Str(meta.term) +
                                    " differs from the term of entry " + Str(meta.index));
      }
    }
    snap_index = meta.index;
  }

  if (!w.entries.empty()) {
    Index first = w.entries.front().index;
    for (size_t i = 1; i < w.entries.size(); ++i) {
      if (w.entries[i].index != first + i) {
        return InvalidArgumentError(g + "entries are not contiguous at " + Str(w.entries[i].index));
      }
    }
    if (first <= compacted.index) {
      return OutOfRangeError(g + "append at " + Str(first) +
                             " is at or before the compaction point " + Str(compacted.index));
    }
    if (first <= snap_index) {
      return InvalidArgumentError(g + "append at " + Str(first) +
                                  " would rewrite entries the snapshot at " + Str(snap_index) +
                                  " covers");
    }
    if (first > last + 1) {
      return InvalidArgumentError(g + "append at " + Str(first) + " leaves a gap after " +
                                  Str(last));
    }
    if (!cleared && first <= s.hard_state.commit) {
      return InvalidArgumentError(g + "append at " + Str(first) +
                                  " would rewrite committed entries up to " +
                                  Str(s.hard_state.commit));
    }
    new_first = first;
    last = w.entries.back().index;
  }

  Index commit = w.hard_state ? w.hard_state->commit : s.hard_state.commit;

  if (w.compact_to && *w.compact_to > compacted.index) {
    Index index = *w.compact_to;
    if (index > snap_index) {
      return FailedPreconditionError(g + "compact to " + Str(index) + " beyond the snapshot at " +
                                     Str(snap_index));
    }
    if (index > last) {
      return OutOfRangeError(g + "compact to " + Str(index) + " beyond the last index " +
                             Str(last));
    }
    std::optional<Term> term = term_of(index);
    if (!term) return InternalError(g + "no term for entry " + Str(index));
    plan.compact = EntryId{*term, index};
  }

  if (snap_index > last) {
    return InvalidArgumentError(g + "the log would end at " + Str(last) +
                                ", before the snapshot at " + Str(snap_index));
  }
  if (commit > last) {
    return InvalidArgumentError(g + "commit index " + Str(commit) + " is past the last index " +
                                Str(last));
  }
  return plan;
}

}  // namespace curve::raft
