#pragma once

// EntryIndex: where each of one group's entries lives in the log, for a contiguous run of
// indexes. While recovering, records can arrive out of index order (garbage collection copies
// old entries forward past newer ones), so the run may temporarily contain holes; a recovered
// group is checked to have none. It also counts entries per segment: once garbage collection has
// copied old entries forward, locations no longer grow with the index, and the oldest segment
// the group needs is found from the counts. Not thread-safe.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>

#include "raft/core/types.h"
#include "raft/storage/storage_types.h"

namespace curve::raft {

class EntryIndex {
 public:
  bool empty() const { return locs_.empty(); }
  size_t size() const { return locs_.size(); }
  // First and last index covered; meaningful only when not empty.
  Index first() const { return first_; }
  Index last() const { return first_ + locs_.size() - 1; }

  // The entry at `index`, or nullptr outside the run or at a hole.
  const EntryLoc* Get(Index index) const;

  // Records `loc` for `index`, growing the run (with holes) as needed.
  void Set(Index index, const EntryLoc& loc);

  // Drops every entry at or above `index`.
  void TruncateFrom(Index index);
  // Drops every entry at or below `index`.
  void DropThrough(Index index);
  void Clear();

  // The oldest segment holding one of the entries, if any.
  std::optional<uint64_t> MinSeq() const;

  // The first hole, if any.
  std::optional<Index> FirstHole() const;

 private:
  void Count(const EntryLoc& loc, int delta);

  Index first_ = 0;
  std::deque<EntryLoc> locs_;
  std::map<uint64_t, uint64_t> per_seq_;  // segment seq -> entries stored there
};

}  // namespace curve::raft
