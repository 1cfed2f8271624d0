#include "raft/core/raft.h"

#include <algorithm>

#include "raft/core/check.h"

namespace curve::raft {

Raft::Raft(const RaftOptions& options, const LogReader* storage)
    : id_(options.id),
      election_tick_(options.election_tick),
      heartbeat_tick_(options.heartbeat_tick),
      pre_vote_(options.pre_vote),
      check_quorum_(options.check_quorum),
      read_mode_(options.read_mode),
      lease_margin_ticks_(options.lease_margin_ticks),
      max_bytes_per_message_(options.max_bytes_per_message),
      max_uncommitted_bytes_(options.max_uncommitted_bytes),
      storage_(storage),
      log_(storage, options.applied),
      tracker_(options.max_inflight_messages, options.max_inflight_bytes),
      rng_(options.random_seed ^ (options.id * 0x9e3779b97f4a7c15ULL)) {
  HardState hs = storage->InitialHardState();
  term_ = hs.term;
  vote_ = hs.vote;
  // A node that never got past term 0 has acknowledged no leader, so owes no lease.
  recently_started_ = term_ > 0;
  SyncConfiguration();
  BecomeFollower(term_, kNoNode);
}

Status Raft::Step(Message m) {
  if (m.to != id_) {
    return InvalidArgumentError("message for node " + std::to_string(m.to) + " stepped into node " +
                                std::to_string(id_));
  }
  if (m.type == MessageType::kSnapshot && !m.snapshot) {
    return InvalidArgumentError("snapshot message without a snapshot");
  }

  if (m.term > term_) {
    bool vote_request = m.type == MessageType::kVote || m.type == MessageType::kPreVote;
    if (vote_request && !m.transfer && InLease()) {
      // A leader was heard from within an election timeout: this candidate is disrupting a
      // healthy group (or a lease the leader relies on), so neither its term nor its request
      // counts.
      return Status::Ok();
    }
    if (m.type == MessageType::kPreVote) {
      // Nobody changes term for a pre-vote.
    } else if (m.type == MessageType::kPreVoteResp && !m.reject) {
      // Granted pre-votes carry the term we would campaign in.
    } else {
      bool from_leader = m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
                         m.type == MessageType::kSnapshot;
      BecomeFollower(m.term, from_leader ? m.from : kNoNode);
    }
  } else if (m.term < term_) {
    if ((check_quorum_ || pre_vote_) &&
        (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat)) {
      // A stale leader (e.g. back from a partition in which we moved on) learns our term from
      // this and steps down; without it, pre-vote and check-quorum could leave it stranded.
      Send(Message{.type = MessageType::kAppendResp, .to = m.from, .term = term_});
    } else if (m.type == MessageType::kPreVote || m.type == MessageType::kVote) {
      // A candidate behind in term learns ours and can catch up; ignoring it could leave it
      // campaigning one term behind a voter it needs forever.
      Send(Message{.type = m.type == MessageType::kPreVote ? MessageType::kPreVoteResp
                                                           : MessageType::kVoteResp,
                   .to = m.from,
                   .term = term_,
                   .reject = true});
    }
    return Status::Ok();
  }

  if (m.type == MessageType::kPreVote || m.type == MessageType::kVote) {
    HandleVoteRequest(m);
    return Status::Ok();
  }
  switch (role_) {
    case Role::kFollower:
      StepFollower(m);
      break;
    case Role::kPreCandidate:
    case Role::kCandidate:
      StepCandidate(m);
      break;
    case Role::kLeader:
      StepLeader(m);
      break;
  }
  return Status::Ok();
}

void Raft::StepFollower(Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
      election_elapsed_ = 0;
      leader_ = m.from;
      HandleAppend(m);
      break;
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      leader_ = m.from;
      HandleHeartbeat(m);
      break;
    case MessageType::kSnapshot:
      election_elapsed_ = 0;
      leader_ = m.from;
      HandleSnapshot(m);
      break;
    case MessageType::kTimeoutNow:
      Hup(/*transfer=*/true);
      break;
    default:
      break;  // responses from an earlier role
  }
}

void Raft::StepCandidate(Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      // Someone won this term.
      BecomeFollower(term_, m.from);
      StepFollower(m);
      break;
    case MessageType::kPreVoteResp:
      if (role_ == Role::kPreCandidate) HandleVoteResponse(m);
      break;
    case MessageType::kVoteResp:
      if (role_ == Role::kCandidate) HandleVoteResponse(m);
      break;
    default:
      break;
  }
}

void Raft::StepLeader(Message& m) {
  Progress* pr = tracker_.Find(m.from);
  switch (m.type) {
    case MessageType::kAppendResp:
      if (pr != nullptr) HandleAppendResponse(m, pr);
      break;
    case MessageType::kHeartbeatResp:
      if (pr != nullptr) HandleHeartbeatResponse(m, pr);
      break;
    case MessageType::kAppend:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      CURVE_RAFT_CHECK(false) << "node " << id_ << " is leader of term " << term_
                              << " and received " << m;
      break;
    default:
      break;
  }
}

void Raft::Tick(std::optional<uint64_t> clock) {
  ++now_;
  if (role_ == Role::kLeader) {
    TickHeartbeat(clock);
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (recently_started_ && election_elapsed_ >= election_tick_) recently_started_ = false;
  if (Promotable() && election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    Hup(/*transfer=*/false);
  }
}

void Raft::TickHeartbeat(std::optional<uint64_t> clock) {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (transferee_ != kNoNode && ++transfer_elapsed_ >= election_tick_) AbortTransfer();
  if (election_elapsed_ >= election_tick_) {
    election_elapsed_ = 0;
    if (check_quorum_) {
      if (!tracker_.QuorumActive(id_)) {
        BecomeFollower(term_, kNoNode);
        return;
      }
      tracker_.ResetRecentActive(id_);
    }
  }
  bool aligned = clock.has_value() && *clock % static_cast<uint64_t>(heartbeat_tick_) == 0;
  if (aligned || heartbeat_elapsed_ >= heartbeat_tick_) {
    heartbeat_elapsed_ = 0;
    BroadcastHeartbeat();
  }
}

void Raft::Reset(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  leader_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  tracker_.ResetVotes();
  pending_conf_index_ = 0;
  transferee_ = kNoNode;
  transfer_elapsed_ = 0;
  lease_revoked_ = false;
  uncommitted_.clear();
  uncommitted_bytes_ = 0;
  reads_.Reset();
  reads_awaiting_commit_.clear();
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      election_tick_ + static_cast<int>(rng_.Uniform(static_cast<uint64_t>(election_tick_)));
}

void Raft::BecomeFollower(Term term, NodeId leader) {
  Reset(term);
  role_ = Role::kFollower;
  leader_ = leader;
}

void Raft::BecomePreCandidate() {
  CURVE_RAFT_CHECK(role_ != Role::kLeader) << "leader " << id_ << " cannot pre-campaign";
  // Neither term nor vote changes: a pre-campaign must not disturb anyone.
  role_ = Role::kPreCandidate;
  leader_ = kNoNode;
  election_elapsed_ = 0;
  recently_started_ = false;
  ResetRandomizedElectionTimeout();
  tracker_.ResetVotes();
}

void Raft::BecomeCandidate() {
  CURVE_RAFT_CHECK(role_ != Role::kLeader) << "leader " << id_ << " cannot campaign";
  Reset(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
  recently_started_ = false;
}

void Raft::BecomeLeader() {
  CURVE_RAFT_CHECK(role_ == Role::kCandidate)
      << "node " << id_ << " became leader as " << RoleName(role_);
  Reset(term_);
  role_ = Role::kLeader;
  leader_ = id_;
  tracker_.ResetProgress(log_.LastIndex() + 1);
  for (auto& [id, pr] : tracker_.mutable_progress()) pr.recent_active = (id == id_);
  if (Progress* self = tracker_.Find(id_)) self->MaybeUpdate(log_.StableLastIndex());
  // Entries of earlier terms may hide an uncommitted configuration change.
  pending_conf_index_ = log_.LastIndex();
  // Committing an entry of the new term commits everything before it (and lets reads and
  // configuration changes proceed).
  AppendEntries({Entry{.type = EntryType::kNoop}});
  BroadcastAppend();
}

void Raft::Send(Message m) {
  m.from = id_;
  if (m.term == 0) m.term = term_;
  msgs_.push_back(std::move(m));
}

void Raft::SyncConfiguration() {
  if (log_.configs().version() == synced_config_version_) return;
  synced_config_version_ = log_.configs().version();
  const Configuration& config = log_.configs().Current();
  tracker_.SetConfiguration(config, log_.LastIndex() + 1);
  if (role_ != Role::kLeader) return;
  if (Progress* self = tracker_.Find(id_)) self->MaybeUpdate(log_.StableLastIndex());
  if (transferee_ != kNoNode && !config.Contains(transferee_)) AbortTransfer();
  if (MaybeCommit()) OnCommitAdvanced();
  if (role_ == Role::kLeader) BroadcastAppend();
}

void Raft::OnPersisted(EntryId last) {
  log_.StableTo(last);
  if (role_ != Role::kLeader) return;
  Progress* self = tracker_.Find(id_);
  if (self != nullptr && self->MaybeUpdate(log_.StableLastIndex()) && MaybeCommit()) {
    OnCommitAdvanced();
  }
}

std::vector<Message> Raft::TakeMessages() {
  reads_.CloseRound();
  std::vector<Message> out;
  out.swap(msgs_);
  return out;
}

std::vector<ReadState> Raft::TakeReadStates() {
  std::vector<ReadState> out;
  out.swap(read_states_);
  return out;
}

NodeStatus Raft::GetStatus() const {
  NodeStatus s;
  s.id = id_;
  s.role = role_;
  s.term = term_;
  s.vote = vote_;
  s.leader = leader_;
  s.commit = log_.committed();
  s.applied = log_.applied();
  s.first_index = log_.FirstIndex();
  s.last_index = log_.LastIndex();
  s.config = tracker_.config();
  s.transferee = transferee_;
  if (role_ == Role::kLeader) {
    for (const auto& [id, pr] : tracker_.progress()) {
      s.peers.push_back(PeerStatus{id, pr.match(), pr.next(), pr.state(), pr.recent_active});
    }
  }
  return s;
}

}  // namespace curve::raft
