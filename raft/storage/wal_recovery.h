#pragma once

// Recovery of the shared write-ahead log at open: scans every segment in seq order, verifies
// each frame and record, and replays the records into per-group states.
//
// Rules:
//   - Segment seqs must be contiguous: garbage collection only ever deletes the oldest
//     segments, one at a time with a directory sync after each, so a gap means a lost file
//     (DataLoss).
//   - In the LAST segment a damaged or incomplete frame is a write that never finished and was
//     never acknowledged: the segment is truncated at the frame's start (logged). Exception: in a
//     strict segment (every frame synced before the next was written) a damaged frame followed
//     by a valid one cannot be a torn tail, so it is DataLoss. A last segment whose header never
//     became durable (short or invalid, with no valid frame after it) is removed.
//   - The last segment is synced before anything else is written: the previous run may have
//     failed before syncing it, and new segments must never follow unsynced data.
//   - Anywhere else a damaged frame, a damaged record inside a valid frame, or an inconsistent
//     group (CheckRecovered) is DataLoss naming the file and offset. Nothing is dropped silently.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/fs/file_system.h"
#include "common/result.h"
#include "raft/storage/group_state.h"

namespace curve::raft {

struct RecoveredSegment {
  uint64_t seq = 0;
  std::shared_ptr<fs::File> file;
  uint64_t size = 0;
};

struct RecoveredLog {
  std::map<GroupId, GroupState> groups;    // only groups that hold records
  std::vector<RecoveredSegment> segments;  // increasing seq
  uint64_t last_seq = 0;                   // 0 when there is no segment
  uint64_t truncated_bytes = 0;            // dropped from a torn tail (not counting zeros)
};

// Recovers the log in `dir` (which must exist).
Result<RecoveredLog> RecoverLog(fs::FileSystem* fs, const std::string& dir);

}  // namespace curve::raft
