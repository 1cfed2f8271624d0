#pragma once

// EntryCache: the most recent entries of one group, kept in memory so the replication hot path
// (a leader sending what it just appended, a follower's state machine applying what it just
// stored) rarely reads the disk. Holds a contiguous run ending at the group's last entry, at
// most `capacity_bytes` (by Entry::ByteSize; 0 disables the cache). Not thread-safe.

#include <cstdint>
#include <deque>
#include <vector>

#include "raft/core/types.h"

namespace curve::raft {

class EntryCache {
 public:
  explicit EntryCache(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}

  // Adds entries that were just appended to the log at entries.front().index, dropping cached
  // entries from that index on. Entries that do not continue the cached run restart it.
  void Append(std::vector<Entry> entries);

  // The cached entry at `index`, or nullptr.
  const Entry* Get(Index index) const;
  // First cached index; Get(i) succeeds for every i in [first(), last index]. 0 when empty.
  Index first() const { return entries_.empty() ? 0 : entries_.front().index; }

  void DropThrough(Index index);
  void Clear();
  uint64_t bytes() const { return bytes_; }

 private:
  void Trim();

  uint64_t capacity_;
  uint64_t bytes_ = 0;
  std::deque<Entry> entries_;
};

}  // namespace curve::raft
