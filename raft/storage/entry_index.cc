#include "raft/storage/entry_index.h"

namespace curve::raft {

const EntryLoc* EntryIndex::Get(Index index) const {
  if (locs_.empty() || index < first_ || index > last()) return nullptr;
  const EntryLoc& loc = locs_[index - first_];
  return loc.seq == 0 ? nullptr : &loc;
}

void EntryIndex::Count(const EntryLoc& loc, int delta) {
  if (loc.seq == 0) return;
  if (delta > 0) {
    ++per_seq_[loc.seq];
  } else if (auto it = per_seq_.find(loc.seq); it != per_seq_.end() && --it->second == 0) {
    per_seq_.erase(it);
  }
}

void EntryIndex::Set(Index index, const EntryLoc& loc) {
  if (locs_.empty()) {
    first_ = index;
    locs_.push_back(EntryLoc{});
  }
  while (index < first_) {
    locs_.push_front(EntryLoc{});
    --first_;
  }
  while (index > last()) locs_.push_back(EntryLoc{});
  EntryLoc& slot = locs_[index - first_];
  Count(slot, -1);
  slot = loc;
  Count(slot, +1);
}

void EntryIndex::TruncateFrom(Index index) {
  if (locs_.empty() || index > last()) return;
  if (index <= first_) {
    Clear();
    return;
  }
  size_t keep = index - first_;
  for (size_t i = keep; i < locs_.size(); ++i) Count(locs_[i], -1);
  locs_.resize(keep);
}

void EntryIndex::DropThrough(Index index) {
  if (locs_.empty() || index < first_) return;
  if (index >= last()) {
    Clear();
    return;
  }
  size_t drop = index - first_ + 1;
  for (size_t i = 0; i < drop; ++i) Count(locs_[i], -1);
  locs_.erase(locs_.begin(), locs_.begin() + static_cast<std::ptrdiff_t>(drop));
  first_ = index + 1;
}

void EntryIndex::Clear() {
  locs_.clear();
  per_seq_.clear();
}

std::optional<uint64_t> EntryIndex::MinSeq() const {
  if (per_seq_.empty()) return std::nullopt;
  return per_seq_.begin()->first;
}

std::optional<Index> EntryIndex::FirstHole() const {
  for (size_t i = 0; i < locs_.size(); ++i) {
    if (locs_[i].seq == 0) return first_ + i;
  }
  return std::nullopt;
}

}  // namespace curve::raft
