#pragma once

// The configurations recorded in a node's log since its snapshot, so the node can always use the
// latest one (committed or not) and fall back when a conflicting suffix is truncated away.
// Owned by RaftLog, which calls it on every append, truncation, restore and apply. Not
// thread-safe.

#include <cstdint>
#include <utility>
#include <vector>

#include "raft/core/types.h"

namespace curve::raft {

class ConfigHistory {
 public:
  // Forgets everything; `config` is in force from `index` (a snapshot point) on.
  void Reset(Index index, Configuration config);

  // Records a configuration entry at `index`, which must be above every recorded index.
  void Append(Index index, Configuration config);

  // Drops the configurations recorded at `index` or later. The base (the oldest record) is never
  // dropped: truncation only happens above the commit index, which is at or above the base.
  void TruncateFrom(Index index);

  // Keeps only the latest record at or below `index` and those after it; `index` must be
  // committed so no truncation can reach below it.
  void CompactTo(Index index);

  const Configuration& Current() const { return records_.back().second; }
  Index CurrentIndex() const { return records_.back().first; }

  // Incremented on every change of Current(), so a reader can notice changes cheaply.
  uint64_t version() const { return version_; }

 private:
  std::vector<std::pair<Index, Configuration>> records_{{0, Configuration{}}};
  uint64_t version_ = 0;
};

}  // namespace curve::raft
