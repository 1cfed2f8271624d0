#pragma once

// Small value types shared across the storage library.

#include <cstdint>

#include "raft/core/types.h"

namespace curve::raft {

// Identifies a raft group (a copyset, a metadata partition) among all groups sharing one log.
using GroupId = uint64_t;

// A group's latest snapshot as the log records it: the metadata plus where its payload lives.
// payload_id 0 means an empty payload (no file).
struct SnapshotRef {
  SnapshotMeta meta;
  uint64_t payload_id = 0;
  uint64_t payload_size = 0;
  uint32_t payload_crc = 0;
  bool operator==(const SnapshotRef&) const = default;
};

// Where one entry's record lives in the log: segment seq, record offset and size (header
// included), and the entry's term (so TermAt never touches the disk).
struct EntryLoc {
  uint64_t seq = 0;  // 0: no entry here (a hole, only while recovering)
  uint32_t offset = 0;
  uint32_t size = 0;
  Term term = 0;
};

}  // namespace curve::raft
