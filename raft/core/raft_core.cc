#include "raft/core/raft_core.h"

#include "raft/core/check.h"
#include "raft/core/raft.h"

namespace curve::raft {

Result<std::unique_ptr<RaftCore>> RaftCore::Create(const RaftOptions& options,
                                                   const LogReader* storage) {
  CURVE_RETURN_IF_ERROR(ValidateOptions(options));
  if (storage == nullptr) return InvalidArgumentError("raft core needs a log reader");
  return std::unique_ptr<RaftCore>(new RaftCore(options, storage));
}

RaftCore::RaftCore(const RaftOptions& options, const LogReader* storage)
    : raft_(std::make_unique<Raft>(options, storage)),
      persisted_hard_state_(storage->InitialHardState()),
      reported_soft_state_(raft_->soft_state()),
      max_committed_bytes_per_ready_(options.max_committed_bytes_per_ready) {}

RaftCore::~RaftCore() = default;

Status RaftCore::Step(Message message) { return raft_->Step(std::move(message)); }
void RaftCore::Tick() { raft_->Tick(std::nullopt); }
void RaftCore::Tick(uint64_t clock) { raft_->Tick(clock); }
Result<EntryId> RaftCore::Propose(std::string data) { return raft_->Propose(std::move(data)); }
Result<EntryId> RaftCore::ProposeConfChange(const ConfChange& change) {
  return raft_->ProposeConfChange(change);
}
Status RaftCore::ReadIndex(uint64_t request_id) { return raft_->ReadIndex(request_id); }
Status RaftCore::TransferLeader(NodeId target) { return raft_->TransferLeader(target); }
Status RaftCore::Campaign() { return raft_->Campaign(); }
void RaftCore::ReportUnreachable(NodeId peer) { raft_->ReportUnreachable(peer); }
void RaftCore::ReportSnapshot(NodeId peer, bool success) { raft_->ReportSnapshot(peer, success); }

bool RaftCore::HasReady() const {
  if (ready_outstanding_) return false;
  const RaftLog& log = raft_->log();
  return raft_->soft_state() != reported_soft_state_ ||
         raft_->hard_state() != persisted_hard_state_ || !log.UnstableEntries().empty() ||
         log.UnstableSnapshot().has_value() || raft_->HasMessages() || raft_->HasReadStates() ||
         log.HasNextCommittedEntries();
}

Ready RaftCore::GetReady() {
  CURVE_RAFT_CHECK(!ready_outstanding_) << "GetReady called again before Advance";
  ready_outstanding_ = true;
  RaftLog& log = raft_->log();
  Ready rd;

  SoftState soft = raft_->soft_state();
  if (soft != reported_soft_state_) {
    rd.soft_state = soft;
    reported_soft_state_ = soft;
  }
  HardState hard = raft_->hard_state();
  if (hard != persisted_hard_state_) rd.hard_state = hard;
  ready_hard_state_ = rd.hard_state;

  rd.snapshot = log.UnstableSnapshot();
  ready_snapshot_index_.reset();
  if (rd.snapshot) ready_snapshot_index_ = rd.snapshot->meta.index;

  rd.entries = log.UnstableEntries();
  ready_last_entry_.reset();
  if (!rd.entries.empty())
    ready_last_entry_ = EntryId{rd.entries.back().term, rd.entries.back().index};

  rd.committed_entries = log.NextCommittedEntries(max_committed_bytes_per_ready_);
  ready_last_committed_.reset();
  if (!rd.committed_entries.empty()) ready_last_committed_ = rd.committed_entries.back().index;

  // Messages sent in a term (or after a vote) not yet on disk must wait for it; otherwise only
  // responses and votes, which vouch for this Ready's log and state, must wait.
  bool term_or_vote_changed =
      hard.term != persisted_hard_state_.term || hard.vote != persisted_hard_state_.vote;
  for (Message& m : raft_->TakeMessages()) {
    if (!term_or_vote_changed && IsLeaderReplicationMessage(m.type)) {
      rd.messages.push_back(std::move(m));
    } else {
      rd.messages_after_persist.push_back(std::move(m));
    }
  }
  rd.read_states = raft_->TakeReadStates();
  return rd;
}

void RaftCore::Advance() {
  CURVE_RAFT_CHECK(ready_outstanding_) << "Advance without an outstanding Ready";
  ready_outstanding_ = false;
  RaftLog& log = raft_->log();
  if (ready_hard_state_) persisted_hard_state_ = *ready_hard_state_;
  if (ready_snapshot_index_) {
    log.StableSnapshotTo(*ready_snapshot_index_);
    log.AppliedTo(*ready_snapshot_index_);
  }
  if (ready_last_entry_) raft_->OnPersisted(*ready_last_entry_);
  if (ready_last_committed_) log.AppliedTo(*ready_last_committed_);
}

NodeStatus RaftCore::GetStatus() const { return raft_->GetStatus(); }
NodeId RaftCore::id() const { return raft_->id(); }
Role RaftCore::role() const { return raft_->role(); }
Term RaftCore::term() const { return raft_->term(); }
NodeId RaftCore::leader() const { return raft_->leader(); }

Result<std::vector<Entry>> RaftCore::LogEntries(Index lo, Index hi) const {
  const RaftLog& log = raft_->log();
  if (hi > log.LastIndex() + 1) hi = log.LastIndex() + 1;
  if (lo >= hi) return std::vector<Entry>{};
  return log.Slice(lo, hi, UINT64_MAX);
}

}  // namespace curve::raft
