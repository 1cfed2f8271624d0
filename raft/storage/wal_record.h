#pragma once

// The logical records of the write-ahead log (the payload of one record, see wal_format.h for
// the framing). Every body starts with the group id (varint); the rest depends on the type:
//
//   kEntries       first_index, count, then per entry: term, type (1 byte), data length, data.
//                  Appends the entries, first dropping the group's entries from first_index on.
//   kMovedEntries  same body. Entries copied forward by garbage collection: each one replaces
//                  the location of the same entry; nothing is truncated.
//   kHardState     term, vote, commit. The group's hard state is the latest such record.
//   kSnapshot      install (1 byte), index, term, configuration (length-prefixed,
//                  EncodeConfiguration), payload id, payload size, payload crc32c (fixed32).
//                  The group's latest snapshot. With install set the log is replaced by it:
//                  every entry is dropped and the compaction point becomes (index, term).
//   kCompact       index, term. Entries up to index are dropped; the log starts after it.
//   kRemoveGroup   nothing more. Forgets the group.
//
// Integers are varints (LEB128) unless noted.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "raft/core/types.h"
#include "raft/storage/storage_types.h"

namespace curve::raft::wal {

enum class RecordType : uint8_t {
  kEntries = 1,
  kMovedEntries = 2,
  kHardState = 3,
  kSnapshot = 4,
  kCompact = 5,
  kRemoveGroup = 6,
};

// Each Encode* appends one complete record (header included) to *out.
void EncodeEntries(std::string* out, RecordType type, GroupId group, const Entry* entries,
                   size_t count);
void EncodeHardState(std::string* out, GroupId group, const HardState& hard_state);
void EncodeSnapshot(std::string* out, GroupId group, const SnapshotRef& snapshot, bool install);
void EncodeCompact(std::string* out, GroupId group, EntryId point);
void EncodeRemoveGroup(std::string* out, GroupId group);

// A decoded record. Entries stay encoded in `entries` until ForEachEntry walks them.
struct LogRecord {
  RecordType type = RecordType::kEntries;
  GroupId group = 0;
  Index first_index = 0;  // kEntries, kMovedEntries
  uint64_t count = 0;     // kEntries, kMovedEntries
  std::string_view entries;
  HardState hard_state;  // kHardState
  SnapshotRef snapshot;  // kSnapshot
  bool install = false;  // kSnapshot
  EntryId compact;       // kCompact
};

// DataLoss when the body is malformed or the type unknown.
Result<LogRecord> DecodeRecord(uint8_t type, std::string_view body);

struct EntryView {
  Index index = 0;
  Term term = 0;
  EntryType type = EntryType::kNormal;
  std::string_view data;
};

// Walks the entries of a kEntries/kMovedEntries record in index order. DataLoss when malformed.
Status ForEachEntry(const LogRecord& record, const std::function<void(const EntryView&)>& fn);

}  // namespace curve::raft::wal
