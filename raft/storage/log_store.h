#pragma once

// LogStore: the stable storage of every raft group in a process (one per disk), built on one
// shared, segmented write-ahead log so that many groups and many entries share each fdatasync.
//
// Logically each group has its own log (GroupLog, a LogReader for its RaftCore); physically the
// records of all groups are appended to segment files (format: wal_format.h, records:
// wal_record.h). An in-memory index per group, rebuilt at open by replaying the segments
// (wal_recovery.h), says where each entry lives.
//
// Writes and group commit: Write/WriteAsync queue a WriteBatch; one writer thread takes every
// batch queued (up to max_round_bytes, and at most one batch per group so each batch is validated
// against durable state), encodes the valid ones into one frame, writes it with one pwrite and
// syncs it with one fdatasync (over zeros written ahead, wal_format.h), then applies it to the
// in-memory indexes and completes the batches in queue order. While it syncs, new batches queue up
// for the next round, so the number of syncs tracks the disk's sync rate, not the number of
// writers. A batch is atomic: after a crash it is recovered entirely or not at all, and batches are
// recovered in order.
//
// Snapshot payloads are written to their own files by the calling thread before the batch is
// queued (snapshot_files.h); the batch's snapshot record names the file.
//
// Garbage collection (after every segment roll, at open, and on CollectGarbage):
//   - A segment is deleted once no group needs any record in it: each group needs the record of
//     its current hard state, of its snapshot, of its compaction point, and of every entry it
//     still holds. Only the oldest segments are deleted (one at a time, syncing the directory),
//     so the remaining segments are always contiguous.
//   - When more than max_segments segments remain, the groups pinning the oldest ones (idle or
//     lagging groups that never compact) get their live records from those segments copied
//     forward (snapshot, compaction point, hard state, entries as kMovedEntries), and the old
//     segments are deleted. Disk use is thus bounded by roughly max_segments * segment_bytes plus
//     the groups' live data; each roll copies at most the live data of the segments beyond the
//     window, so the extra writing is at most about one byte per byte written by clients.
//
// Errors: an I/O failure while writing a snapshot payload, writing or syncing the log, or
// collecting garbage fails the store: that batch and every later one get the error (after a
// failed fdatasync nothing can be trusted); reopen to recover. Validation failures
// (group_state.h, PlanGroupWrite) reject only their batch.
//
// Thread-safety: every method may be called from any thread. Completion callbacks run on the
// writer thread and must not call Write (which would wait for itself; it returns
// FailedPrecondition instead); WriteAsync is fine.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/fs/file_system.h"
#include "common/result.h"
#include "common/status.h"
#include "raft/storage/group_log.h"
#include "raft/storage/segment_set.h"
#include "raft/storage/snapshot_files.h"
#include "raft/storage/write_batch.h"

namespace curve::raft {

struct LogStoreOptions {
  std::string dir;                             // created if missing
  curve::fs::FileSystem* fs = nullptr;         // nullptr: PosixFileSystem::Default()
  bool sync = true;                            // fdatasync each round before acknowledging it
  uint64_t segment_bytes = 64 << 20;           // roll over once a segment would exceed this
  uint64_t max_round_bytes = 8 << 20;          // cap on the batches coalesced into one write
  uint64_t max_segments = 16;                  // beyond this, live records are copied forward
  uint64_t cache_bytes_per_group = 256 << 10;  // EntryCache capacity of each group
  // Test hook: called on the enqueuing thread after a batch joined the queue.
  std::function<void()> on_enqueue;
};

struct LogStoreStats {
  uint64_t batches = 0;          // batches written
  uint64_t rejected = 0;         // batches refused by validation
  uint64_t rounds = 0;           // frames written for batches (group commits)
  uint64_t syncs = 0;            // fdatasync calls on segments
  uint64_t bytes_written = 0;    // frame bytes, batches and relocation
  uint64_t relocated_bytes = 0;  // frame bytes written by garbage collection
  uint64_t segments = 0;         // segments on disk now
  uint64_t segments_removed = 0;
};

class LogStore {
 public:
  using Callback = std::function<void(Status)>;

  // Recovers the log in options.dir (wal_recovery.h states the rules), starts a fresh segment
  // and the writer thread. InvalidArgument for bad options; DataLoss for a damaged log.
  static Result<std::unique_ptr<LogStore>> Open(LogStoreOptions options);

  // Completes every queued batch, then stops the writer thread.
  ~LogStore();

  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Persists `batch` and returns once it is durable (or written, with sync off) and visible
  // through the groups' GroupLogs. Errors: validation codes of PlanGroupWrite (nothing of the
  // batch is written); the store's I/O failure; FailedPrecondition when called from a completion
  // callback.
  Status Write(WriteBatch batch);

  // Like Write, but returns once queued and reports the outcome through `done`, on the writer
  // thread. Callbacks run in queue order. Snapshot payloads in the batch are written on the
  // calling thread before it is queued.
  void WriteAsync(WriteBatch batch, Callback done);

  // The log of `group`, created empty (in memory only) if the store holds nothing for it. The
  // handle stays valid while the store lives; after RemoveGroup it reads as empty and a later
  // Group() call returns a new handle.
  std::shared_ptr<GroupLog> Group(GroupId group);

  // Groups the log holds records for, in increasing order.
  std::vector<GroupId> Groups() const;

  // Runs a garbage collection pass on the writer thread now and waits for it.
  Status CollectGarbage();

  LogStoreStats stats() const;
  // Seqs of the segments on disk, oldest first.
  std::vector<uint64_t> SegmentSeqs() const { return segments_.Seqs(); }
  const std::string& dir() const { return options_.dir; }

 private:
  struct Pending;

  explicit LogStore(LogStoreOptions options);

  Status Start();
  void Enqueue(std::unique_ptr<Pending> pending);
  void WriterLoop();
  std::vector<std::unique_ptr<Pending>> TakeRound();  // requires mu_
  void ProcessRound(const std::vector<std::unique_ptr<Pending>>& round);
  Status EncodeBatch(const Pending& pending, std::string* frame);
  void DropPayloads(const Pending& pending);

  // Appends a finished frame to the active segment (rolling over first if it would not fit),
  // syncing when `sync`; returns its segment seq and offset.
  Result<std::pair<uint64_t, uint64_t>> AppendFrame(const std::string& frame, bool sync);
  Status CreateSegment(uint64_t seq);
  // Cuts the active segment's zero-filled tail off and syncs it.
  Status TrimActive();
  Status Roll();
  // Decodes a frame just written and applies its records to the groups' indexes.
  // `appended` holds, per group, the entries a batch appended (for the caches).
  Status ApplyFrame(const std::string& frame, uint64_t seq, uint64_t offset,
                    std::map<GroupId, std::vector<Entry>> appended);
  void FlushPayloadDeletes();

  // log_store_gc.cc
  Status CollectGarbageNow();
  uint64_t MinNeededSeq() const;
  Status RemoveSegmentsBelow(uint64_t seq);
  Status Relocate(uint64_t keep_from);
  Status EncodeRelocation(const GroupLog& group, uint64_t keep_from, std::string* frame);

  std::shared_ptr<GroupLog> FindGroup(GroupId group) const;
  std::shared_ptr<GroupLog> FindOrCreateGroup(GroupId group);
  std::shared_ptr<GroupLog> NewGroupLog(GroupId group, GroupState state) const;

  const LogStoreOptions options_;
  fs::FileSystem* const fs_;
  SegmentSet segments_;
  SnapshotFiles snapshots_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Pending>> queue_;           // guarded by mu_
  std::map<GroupId, std::shared_ptr<GroupLog>> groups_;  // guarded by mu_
  bool stop_ = false;                                    // guarded by mu_

  // Writer thread state.
  std::thread writer_;
  std::atomic<std::thread::id> writer_id_;
  std::shared_ptr<fs::File> active_;
  uint64_t active_seq_ = 0;
  uint64_t active_size_ = 0;   // end of the last frame
  uint64_t zeroed_until_ = 0;  // the file's size: zeros from active_size_ on
  bool rolled_ = false;
  Status error_;
  std::string frame_;
  std::vector<std::pair<GroupId, uint64_t>> payload_deletes_;  // after the next sync

  mutable std::mutex stats_mu_;
  LogStoreStats stats_;  // guarded by stats_mu_ (segments computed on read)
};

}  // namespace curve::raft
