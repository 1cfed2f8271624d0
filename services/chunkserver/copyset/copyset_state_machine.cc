#include "services/chunkserver/copyset/copyset_state_machine.h"

#include <algorithm>

#include "common/logging.h"
#include "proto/chunkserver/chunk.pb.h"

namespace curve::chunkserver {

namespace {

constexpr uint64_t kPieceBytes = 1 << 20;
// Apply errors remembered for proposers; older ones (a follower's, never taken) are dropped.
constexpr size_t kMaxRememberedFailures = 1024;

// Refusals that depend only on the log and the chunk's replicated state (alignment, range,
// an older sequence): every replica refuses the entry identically and nothing changes anywhere.
bool IsDeterministicRefusal(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

bool AllZero(const std::string& data) {
  return std::all_of(data.begin(), data.end(), [](char c) { return c == 0; });
}

// Streams the chunk files a snapshot lists, piece by piece: each chunk, then its preserved copy
// when it has one.
class ChunkFileReader final : public raft::SnapshotReader {
 public:
  ChunkFileReader(ChunkStore* store, CopysetSnapshot snapshot)
      : store_(store), snapshot_(std::move(snapshot)) {}

  Result<bool> Next(std::string* out) override {
    while (chunk_ < snapshot_.chunks_size()) {
      const auto& chunk = snapshot_.chunks(chunk_);
      if (offset_ >= store_->chunk_size()) {
        if (copy_) {
          NextChunk();
        } else {
          copy_ = true;
          offset_ = 0;
        }
        continue;
      }
      ChunkPiece piece;
      piece.set_chunk_id(chunk.id());
      piece.set_offset(offset_);
      std::string data(kPieceBytes, '\0');
      if (copy_) {
        auto sequence = store_->ReadPreservedInto(chunk.id(), offset_, data.size(), data.data());
        // No copy (or no chunk) any more: the log replay drops it on the member too. A copy made
        // again since its first piece is left to the replay as well.
        if (!sequence.ok() && sequence.status().code() == StatusCode::kNotFound) {
          NextChunk();
          continue;
        }
        if (!sequence.ok()) return sequence.status();
        if (offset_ == 0) copy_sequence_ = *sequence;
        if (*sequence != copy_sequence_) {
          NextChunk();
          continue;
        }
        piece.set_snapshot(true);
        piece.set_sequence(*sequence);
      } else {
        Status read = store_->ReadInto(chunk.id(), offset_, data.size(), data.data());
        if (read.code() == StatusCode::kNotFound) {
          // Deleted since the snapshot: the log replay deletes it on the follower too.
          NextChunk();
          continue;
        }
        if (!read.ok()) return read;
        piece.set_sequence(chunk.sequence());
      }
      if (AllZero(data) && offset_ != 0) {
        piece.set_zero_length(data.size());
      } else {
        piece.set_data(std::move(data));
      }
      offset_ += kPieceBytes;
      *out = piece.SerializeAsString();
      return true;
    }
    return false;
  }

 private:
  void NextChunk() {
    ++chunk_;
    offset_ = 0;
    copy_ = false;
  }

  ChunkStore* const store_;
  const CopysetSnapshot snapshot_;
  int chunk_ = 0;
  bool copy_ = false;  // streaming the chunk's preserved copy
  uint64_t copy_sequence_ = 0;
  uint64_t offset_ = 0;
};

// Writes received pieces into the local store: a chunk's stale local copy (and its preserved
// copy) is dropped at its first piece so the pool's zeros stand for the skipped pieces; its
// preserved copy's pieces follow it.
class ChunkFileWriter final : public raft::SnapshotWriter {
 public:
  explicit ChunkFileWriter(ChunkStore* store) : store_(store) {}

  Status Write(const std::string& bytes) override {
    ChunkPiece piece;
    if (!piece.ParseFromString(bytes)) return DataLossError("malformed snapshot piece");
    if (piece.zero_length() > 0) return Status::Ok();
    if (piece.snapshot()) {
      return store_->WritePreserved(piece.chunk_id(), piece.sequence(), piece.offset(),
                                    piece.data());
    }
    if (current_ != piece.chunk_id() || piece.offset() == 0) {
      current_ = piece.chunk_id();
      Status deleted = store_->Delete(piece.chunk_id());
      if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
    }
    return store_->Write(piece.chunk_id(), piece.offset(), piece.data(), piece.sequence());
  }
  Status Finish() override { return store_->SyncAll(); }

 private:
  ChunkStore* const store_;
  ChunkId current_ = 0;
};

}  // namespace

std::string CopysetStateMachine::EncodeWrite(ChunkId id, uint64_t offset, std::string data,
                                             uint64_t sequence) {
  ChunkOp op;
  op.set_kind(ChunkOp::WRITE);
  op.set_chunk_id(id);
  op.set_offset(offset);
  op.set_data(std::move(data));
  op.set_sequence(sequence);
  return op.SerializeAsString();
}

std::string CopysetStateMachine::EncodeDelete(ChunkId id) {
  ChunkOp op;
  op.set_kind(ChunkOp::DELETE);
  op.set_chunk_id(id);
  return op.SerializeAsString();
}

std::string CopysetStateMachine::EncodeDeleteSnapshot(ChunkId id, uint64_t sequence) {
  ChunkOp op;
  op.set_kind(ChunkOp::DELETE_SNAPSHOT);
  op.set_chunk_id(id);
  op.set_sequence(sequence);
  return op.SerializeAsString();
}

void CopysetStateMachine::Apply(raft::Index index, const std::string& data) {
  ChunkOp op;
  Status status;
  if (!op.ParseFromString(data)) {
    status = DataLossError("malformed chunk op at index " + std::to_string(index));
  } else if (op.kind() == ChunkOp::WRITE) {
    status = store_->Write(op.chunk_id(), op.offset(), op.data(), op.sequence());
    if (status.ok() || !IsDeterministicRefusal(status)) {
      // A chunk this replica failed to store stays the copyset's chunk, marked damaged: reads
      // here answer DATA_LOSS naming the cause, never zeros or stale data.
      std::lock_guard lock(mu_);
      chunks_.insert(op.chunk_id());
      if (!status.ok() && !damaged_.count(op.chunk_id())) {
        damaged_[op.chunk_id()] =
            status.code() == StatusCode::kDataLoss
                ? status
                : DataLossError("copyset " + name_ + ": this replica failed to apply the write " +
                                "at index " + std::to_string(index) + " to chunk " +
                                std::to_string(op.chunk_id()) + ": " + status.ToString());
      }
    }
  } else if (op.kind() == ChunkOp::DELETE) {
    status = store_->Delete(op.chunk_id());
    if (status.code() == StatusCode::kNotFound) status = Status::Ok();
    std::lock_guard lock(mu_);
    chunks_.erase(op.chunk_id());
    damaged_.erase(op.chunk_id());
    lost_copies_.erase(op.chunk_id());
  } else if (op.kind() == ChunkOp::DELETE_SNAPSHOT) {
    status = store_->DeleteSnapshot(op.chunk_id(), op.sequence());
    if (status.code() == StatusCode::kNotFound) status = Status::Ok();
    std::lock_guard lock(mu_);
    lost_copies_.erase(op.chunk_id());
    if (!status.ok() && chunks_.count(op.chunk_id()) && !damaged_.count(op.chunk_id())) {
      // A copy this replica could not drop would be read or kept as a later snapshot's.
      damaged_[op.chunk_id()] =
          DataLossError("copyset " + name_ + ": this replica failed to apply the snapshot " +
                        "deletion at index " + std::to_string(index) + " to chunk " +
                        std::to_string(op.chunk_id()) + ": " + status.ToString());
    }
  } else if (op.kind() != ChunkOp::KIND_UNSPECIFIED) {  // unspecified: raft's empty entries
    status = InvalidArgumentError("unknown chunk op kind " + std::to_string(op.kind()) +
                                  " at index " + std::to_string(index));
  }
  if (status.ok()) return;
  log::Get("chunkserver")
      ->warn("op=Apply copyset={} index={} chunk={} err={}", name_, index, op.chunk_id(),
             status.ToString());
  std::lock_guard lock(mu_);
  failures_[index] = status;
  while (failures_.size() > kMaxRememberedFailures) failures_.erase(failures_.begin());
}

Status CopysetStateMachine::TakeResult(raft::Index index) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(index);
  if (it == failures_.end()) return Status::Ok();
  Status status = it->second;
  failures_.erase(it);
  return status;
}

Result<std::string> CopysetStateMachine::SaveSnapshot() {
  CURVE_RETURN_IF_ERROR(store_->SyncAll());
  CopysetSnapshot snapshot;
  std::lock_guard lock(mu_);
  for (ChunkId id : chunks_) {
    auto* chunk = snapshot.add_chunks();
    chunk->set_id(id);
    if (auto info = store_->GetInfo(id); info.ok()) {
      chunk->set_sequence(info->sequence);
      chunk->set_snapshot_sequence(info->snapshot_sequence);
    }
  }
  return snapshot.SerializeAsString();
}

Status CopysetStateMachine::LoadSnapshot(const raft::SnapshotMeta& meta, const std::string& data) {
  CopysetSnapshot snapshot;
  if (!snapshot.ParseFromString(data)) {
    return DataLossError("copyset " + name_ + ": malformed snapshot at index " +
                         std::to_string(meta.index));
  }
  std::set<ChunkId> listed;
  std::map<ChunkId, uint64_t> copies;  // listed preserved copies
  for (const auto& chunk : snapshot.chunks()) {
    listed.insert(chunk.id());
    if (chunk.snapshot_sequence() != 0) copies[chunk.id()] = chunk.snapshot_sequence();
  }
  std::set<ChunkId> stale;
  {
    std::lock_guard lock(mu_);
    for (ChunkId id : chunks_) {
      if (!listed.count(id)) stale.insert(id);
    }
  }
  for (ChunkId id : stale) {
    Status s = store_->Delete(id);
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  std::map<ChunkId, Status> damaged;
  std::map<ChunkId, Status> lost_copies;
  for (ChunkId id : listed) {
    auto info = store_->GetInfo(id);
    if (info.ok()) {
      auto copy = copies.find(id);
      if (copy != copies.end() && info->snapshot_sequence == 0) {
        lost_copies[id] = DataLossError("copyset " + name_ + ": the preserved copy " +
                                        store_->PreservedPath(id, copy->second) + " of chunk " +
                                        std::to_string(id) + " listed by the snapshot at index " +
                                        std::to_string(meta.index) + " is missing");
      }
      continue;
    }
    Status problem = info.status().code() == StatusCode::kNotFound
                         ? DataLossError("copyset " + name_ + ": chunk file " +
                                         store_->ChunkPath(id) + " is missing")
                         : info.status();
    log::Get("chunkserver")
        ->error("op=LoadSnapshot copyset={} chunk={} err={}", name_, id, problem.ToString());
    damaged[id] = problem;
  }
  std::lock_guard lock(mu_);
  chunks_ = std::move(listed);
  damaged_ = std::move(damaged);
  lost_copies_ = std::move(lost_copies);
  config_ = meta.config;
  return Status::Ok();
}

Result<std::unique_ptr<raft::SnapshotReader>> CopysetStateMachine::OpenSnapshotReader(
    const raft::Snapshot& snapshot) {
  CopysetSnapshot parsed;
  if (!parsed.ParseFromString(snapshot.data)) {
    return DataLossError("copyset " + name_ + ": malformed snapshot");
  }
  return std::unique_ptr<raft::SnapshotReader>(new ChunkFileReader(store_, std::move(parsed)));
}

Result<std::unique_ptr<raft::SnapshotWriter>> CopysetStateMachine::OpenSnapshotWriter(
    raft::NodeId from, const raft::SnapshotMeta& meta) {
  log::Get("chunkserver")
      ->info("op=InstallSnapshot copyset={} from={} index={}", name_, from, meta.index);
  return std::unique_ptr<raft::SnapshotWriter>(new ChunkFileWriter(store_));
}

void CopysetStateMachine::OnRoleChange(raft::Role role, raft::Term term, raft::NodeId leader) {
  leader_ = role == raft::Role::kLeader;
}

void CopysetStateMachine::OnConfigurationChange(const raft::Configuration& config) {
  std::lock_guard lock(mu_);
  config_ = config;
}

bool CopysetStateMachine::Has(ChunkId id) const {
  std::lock_guard lock(mu_);
  return chunks_.count(id) > 0;
}

Status CopysetStateMachine::CheckHealthy(ChunkId id) const {
  std::lock_guard lock(mu_);
  auto it = damaged_.find(id);
  return it == damaged_.end() ? Status::Ok() : it->second;
}

Status CopysetStateMachine::CheckSnapshotHealthy(ChunkId id) const {
  std::lock_guard lock(mu_);
  auto it = lost_copies_.find(id);
  return it == lost_copies_.end() ? Status::Ok() : it->second;
}

std::vector<Status> CopysetStateMachine::Problems() const {
  std::lock_guard lock(mu_);
  std::vector<Status> out;
  for (const auto& [id, status] : damaged_) out.push_back(status);
  for (const auto& [id, status] : lost_copies_) out.push_back(status);
  return out;
}

uint64_t CopysetStateMachine::chunk_count() const {
  std::lock_guard lock(mu_);
  return chunks_.size();
}

std::vector<ChunkId> CopysetStateMachine::Chunks() const {
  std::lock_guard lock(mu_);
  return {chunks_.begin(), chunks_.end()};
}

raft::Configuration CopysetStateMachine::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

}  // namespace curve::chunkserver
