// Raft: requests served by the leader: proposals, membership changes, reads (ReadIndex and
// lease) and leadership transfer.

#include "raft/core/check.h"
#include "raft/core/raft.h"

namespace curve::raft {

Status Raft::NotLeaderError() const {
  return FailedPreconditionError("node " + std::to_string(id_) +
                                 " is not the leader; leader=" + std::to_string(leader_));
}

Result<EntryId> Raft::Propose(std::string data) {
  if (role_ != Role::kLeader) return NotLeaderError();
  if (transferee_ != kNoNode) {
    return UnavailableError("leadership transfer to " + std::to_string(transferee_) +
                            " in progress");
  }
  Entry entry{.type = EntryType::kNormal, .data = std::move(data)};
  uint64_t bytes = entry.ByteSize();
  if (max_uncommitted_bytes_ != 0 && uncommitted_bytes_ > 0 &&
      uncommitted_bytes_ + bytes > max_uncommitted_bytes_) {
    return ResourceExhaustedError("uncommitted entries exceed " +
                                  std::to_string(max_uncommitted_bytes_) + " bytes");
  }
  AppendEntries({std::move(entry)});
  Index index = log_.LastIndex();
  uncommitted_.emplace_back(index, bytes);
  uncommitted_bytes_ += bytes;
  BroadcastAppend();
  return EntryId{term_, index};
}

Result<EntryId> Raft::ProposeConfChange(const ConfChange& change) {
  if (role_ != Role::kLeader) return NotLeaderError();
  if (transferee_ != kNoNode) {
    return UnavailableError("leadership transfer to " + std::to_string(transferee_) +
                            " in progress");
  }
  // Without a committed entry of its own term, the leader may hold an uncommitted configuration
  // change of an earlier leader that could still be overwritten (dissertation errata, 2015).
  if (!CommittedInCurrentTerm()) {
    return UnavailableError("the leader has not committed an entry of term " +
                            std::to_string(term_) + " yet");
  }
  if (pending_conf_index_ > log_.committed()) {
    return FailedPreconditionError("configuration change at index " +
                                   std::to_string(pending_conf_index_) + " is not committed yet");
  }
  CURVE_ASSIGN_OR_RETURN(Configuration result, ApplyConfChange(tracker_.config(), change));
  ConfChangeEntry payload{change, std::move(result)};
  AppendEntries({Entry{.type = EntryType::kConfChange, .data = EncodeConfChangeEntry(payload)}});
  pending_conf_index_ = log_.LastIndex();
  EntryId id{term_, log_.LastIndex()};
  if (role_ == Role::kLeader) BroadcastAppend();
  return id;
}

void Raft::AppendEntries(std::vector<Entry> entries) {
  Index last = log_.LastIndex();
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].term = term_;
    entries[i].index = last + 1 + i;
  }
  log_.Append(std::move(entries));
  // A configuration entry takes effect now; our own copy counts once persisted (OnPersisted).
  SyncConfiguration();
}

bool Raft::CommittedInCurrentTerm() const { return log_.TermOrZero(log_.committed()) == term_; }

Status Raft::ReadIndex(uint64_t request_id) {
  if (role_ != Role::kLeader) return NotLeaderError();
  if (!CommittedInCurrentTerm()) {
    // Until then our commit index may be behind entries committed by earlier leaders.
    reads_awaiting_commit_.push_back(request_id);
    return Status::Ok();
  }
  ServeRead(request_id);
  return Status::Ok();
}

void Raft::ServeRead(uint64_t request_id) {
  Index index = log_.committed();
  if (LeaseValid()) {
    read_states_.push_back(ReadState{request_id, index});
    return;
  }
  // The read needs a heartbeat round that leaves after it arrived: join the round still queued
  // in the outbox, or start one.
  if (!reads_.round_open()) BroadcastHeartbeat();
  reads_.Add(request_id, index, reads_.current_seq());
  ReleaseReads();
}

void Raft::ReleaseReads() {
  if (role_ != Role::kLeader) return;
  reads_.Release(tracker_.QuorumAckedReadSeq(), &read_states_);
}

bool Raft::LeaseValid() const {
  if (read_mode_ != ReadMode::kLeaseBased || !check_quorum_ || lease_revoked_ ||
      transferee_ != kNoNode) {
    return false;
  }
  uint64_t seq = tracker_.QuorumAckedReadSeq();
  if (seq == 0) return false;
  std::optional<uint64_t> sent = reads_.SentTick(seq);
  // Every voter that acknowledged round `seq` refuses votes for election_tick ticks after
  // receiving it, which is no earlier than it was sent.
  return sent && now_ - *sent < static_cast<uint64_t>(election_tick_ - lease_margin_ticks_);
}

Status Raft::TransferLeader(NodeId target) {
  if (role_ != Role::kLeader) return NotLeaderError();
  if (target == id_) {
    AbortTransfer();
    return Status::Ok();
  }
  Progress* pr = tracker_.Find(target);
  if (pr == nullptr) {
    return InvalidArgumentError("transfer target " + std::to_string(target) + " is not a voter");
  }
  if (transferee_ == target) return Status::Ok();
  transferee_ = target;
  transfer_elapsed_ = 0;
  if (pr->match() == log_.LastIndex()) {
    SendTimeoutNow(target);
  } else {
    SendAppend(target, /*send_if_empty=*/true);
  }
  return Status::Ok();
}

void Raft::SendTimeoutNow(NodeId to) {
  // The target will campaign bypassing leases, so ours ends for the rest of this term even if the
  // transfer is abandoned: the message may still arrive at any time.
  lease_revoked_ = true;
  Send(Message{.type = MessageType::kTimeoutNow, .to = to, .term = term_});
}

void Raft::AbortTransfer() {
  transferee_ = kNoNode;
  transfer_elapsed_ = 0;
}

void Raft::MaybeStepDownAfterRemoval() {
  if (role_ != Role::kLeader || Promotable()) return;
  if (log_.committed() < log_.configs().CurrentIndex()) return;
  // Our removal is committed. Hand over to the most caught-up voter rather than leaving the
  // group to wait for an election timeout.
  NodeId best = kNoNode;
  Index best_match = 0;
  for (const auto& [id, pr] : tracker_.progress()) {
    if (pr.match() > best_match) {
      best = id;
      best_match = pr.match();
    }
  }
  if (best != kNoNode && best_match == log_.LastIndex()) SendTimeoutNow(best);
  BecomeFollower(term_, kNoNode);
}

void Raft::ReportUnreachable(NodeId peer) {
  if (role_ != Role::kLeader) return;
  Progress* pr = tracker_.Find(peer);
  if (pr != nullptr && pr->state() == ProgressState::kReplicate) pr->BecomeProbe();
}

void Raft::ReportSnapshot(NodeId peer, bool success) {
  if (role_ != Role::kLeader) return;
  if (Progress* pr = tracker_.Find(peer)) pr->OnSnapshotReport(success);
}

}  // namespace curve::raft
