#include "raft/storage/entry_cache.h"

namespace curve::raft {

void EntryCache::Append(std::vector<Entry> entries) {
  if (entries.empty()) return;
  Index first = entries.front().index;
  if (entries_.empty() || first < entries_.front().index || first > entries_.back().index + 1) {
    Clear();
  } else {
    while (!entries_.empty() && entries_.back().index >= first) {
      bytes_ -= entries_.back().ByteSize();
      entries_.pop_back();
    }
  }
  for (Entry& e : entries) {
    bytes_ += e.ByteSize();
    entries_.push_back(std::move(e));
  }
  Trim();
}

const Entry* EntryCache::Get(Index index) const {
  if (entries_.empty() || index < entries_.front().index || index > entries_.back().index) {
    return nullptr;
  }
  return &entries_[index - entries_.front().index];
}

void EntryCache::DropThrough(Index index) {
  while (!entries_.empty() && entries_.front().index <= index) {
    bytes_ -= entries_.front().ByteSize();
    entries_.pop_front();
  }
}

void EntryCache::Clear() {
  entries_.clear();
  bytes_ = 0;
}

void EntryCache::Trim() {
  while (!entries_.empty() && bytes_ > capacity_) {
    bytes_ -= entries_.front().ByteSize();
    entries_.pop_front();
  }
}

}  // namespace curve::raft
