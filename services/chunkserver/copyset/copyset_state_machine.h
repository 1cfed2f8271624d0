#pragma once

// CopysetStateMachine: one copyset's chunks, driven by its raft group. The log carries ChunkOps
// (proto/chunkserver/chunk.proto); Apply executes them on the disk's shared ChunkStore.
//
// Snapshots copy no chunk data: SaveSnapshot makes the chunks durable and records their ids and
// sequence numbers. A new member receives the chunk files through the raft snapshot stream
// (OpenSnapshotReader on the leader reads them live, OpenSnapshotWriter writes them straight into
// the follower's store; all-zero pieces are skipped); entries after the snapshot are replayed
// over them, and chunk writes are idempotent, so a file read while it changes converges.
//
// Copy-on-write snapshots: a write raising a chunk's sequence preserves the chunk in the apply
// (ChunkStore::Write); DELETE_SNAPSHOT drops the copy, or raises the sequence past the snapshot.
// Both are deterministic given the log, so every replica holds the same copies. Snapshots list
// each chunk's copy (CopysetSnapshot.Chunk.snapshot_sequence); the stream sends a chunk's live
// copy after the chunk (ChunkPiece.snapshot), so a new member serves ReadChunkSnapshot too. A copy
// a snapshot lists but the disk lacks after a restart (dropped after the snapshot: the log replays
// the drop) makes snapshot reads of that chunk answer DATA_LOSS until a DELETE_SNAPSHOT or
// DELETE of the chunk is applied (CheckSnapshotHealthy). Known limit: a copy dropped and made
// again between a snapshot and the end of streaming it is made again on the new member from its
// streamed (newer) contents.
//
// Restart: the latest local snapshot lists the chunks, the log replays the rest. A listed chunk
// whose file is missing or corrupt is recorded in Problems() and reads of it answer DATA_LOSS;
// it is never recreated as zeros.
//
// Apply failures. A write refused for a reason that depends only on the log and the replicated
// chunk state (InvalidArgument, OutOfRange, FailedPrecondition) fails identically on every
// replica and changes nothing. Any other failure (a full chunk file pool, an IO error, a damaged
// file) is local to one replica: that replica keeps the chunk listed but marks it damaged, so
// its reads answer DATA_LOSS naming the index and cause (also after a restart: the snapshot
// lists the chunk, its file is missing or corrupt) and it never diverges silently; Problems()
// reports it. The leader checks the pool before proposing a write that creates a chunk
// (ChunkServiceImpl::WriteChunk), so a full pool normally fails the write with
// RESOURCE_EXHAUSTED before anything is replicated; a leader whose own apply fails answers the
// proposer with that error, so such a write is never acknowledged.
//
// Thread-safety: raft callbacks run on the group's driver thread; the query methods and the
// snapshot streams may run on any thread.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "raft/node/state_machine.h"
#include "services/chunkserver/datastore/chunk_store.h"

namespace curve::chunkserver {

class CopysetStateMachine final : public raft::StateMachine {
 public:
  CopysetStateMachine(std::string name, ChunkStore* store)
      : name_(std::move(name)), store_(store) {}

  static std::string EncodeWrite(ChunkId id, uint64_t offset, std::string data, uint64_t sequence);
  static std::string EncodeDelete(ChunkId id);
  static std::string EncodeDeleteSnapshot(ChunkId id, uint64_t sequence);

  void Apply(raft::Index index, const std::string& data) override;
  Result<std::string> SaveSnapshot() override;
  Status LoadSnapshot(const raft::SnapshotMeta& meta, const std::string& data) override;
  Result<std::unique_ptr<raft::SnapshotReader>> OpenSnapshotReader(
      const raft::Snapshot& snapshot) override;
  Result<std::unique_ptr<raft::SnapshotWriter>> OpenSnapshotWriter(
      raft::NodeId from, const raft::SnapshotMeta& meta) override;
  void OnRoleChange(raft::Role role, raft::Term term, raft::NodeId leader) override;
  void OnConfigurationChange(const raft::Configuration& config) override;

  // The outcome of applying the entry at `index` (OK unless the ChunkStore refused it); forgets
  // it. Call from the proposal's callback.
  Status TakeResult(raft::Index index);

  // Whether the copyset holds the chunk (written and not deleted), and whether its file is known
  // to be damaged (DATA_LOSS naming it).
  bool Has(ChunkId id) const;
  Status CheckHealthy(ChunkId id) const;
  // DATA_LOSS when the chunk's preserved copy, listed by the loaded snapshot, was missing.
  Status CheckSnapshotHealthy(ChunkId id) const;

  // Damaged chunks and lost preserved copies.
  std::vector<Status> Problems() const;
  bool is_leader() const { return leader_.load(); }
  uint64_t chunk_count() const;
  std::vector<ChunkId> Chunks() const;  // the chunks the copyset holds
  raft::Configuration config() const;

 private:
  const std::string name_;
  ChunkStore* const store_;
  std::atomic<bool> leader_{false};

  mutable std::mutex mu_;
  std::set<ChunkId> chunks_;                // guarded by mu_
  std::map<ChunkId, Status> damaged_;       // guarded by mu_
  std::map<ChunkId, Status> lost_copies_;   // guarded by mu_; see CheckSnapshotHealthy
  std::map<raft::Index, Status> failures_;  // guarded by mu_; apply errors by index
  raft::Configuration config_;              // guarded by mu_
};

}  // namespace curve::chunkserver
