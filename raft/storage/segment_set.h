#pragma once

// SegmentSet: the open segment files of the write-ahead log, by seq, for reading records back.
// The writer adds a segment when it rolls over and removes it when garbage collection deletes the
// file; a reader that looked a segment up keeps its handle alive until done, so removing a
// segment never breaks a read in progress. Thread-safe.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/fs/file_system.h"
#include "common/status.h"
#include "raft/storage/storage_types.h"
#include "raft/storage/wal_record.h"

namespace curve::raft {

class SegmentSet {
 public:
  explicit SegmentSet(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }
  std::string PathOf(uint64_t seq) const;

  void Add(uint64_t seq, std::shared_ptr<fs::File> file);
  void Remove(uint64_t seq);
  // Seqs in increasing order.
  std::vector<uint64_t> Seqs() const;

  // Reads the record an entry points at, verifies its checksum and decodes it into *record,
  // whose views point into *buf. DataLoss naming the file and offset when it is damaged or not an
  // entries record; NotFound when the segment is gone.
  Status ReadEntriesRecord(const EntryLoc& loc, std::string* buf, wal::LogRecord* record) const;

  uint64_t records_read() const { return records_read_.load(std::memory_order_relaxed); }

 private:
  std::string dir_;
  mutable std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<fs::File>> files_;
  mutable std::atomic<uint64_t> records_read_{0};
};

}  // namespace curve::raft
