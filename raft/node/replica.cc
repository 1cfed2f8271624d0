#include "raft/node/replica.h"

#include <algorithm>
#include <cstdlib>
#include <random>

#include "common/logging.h"
#include "raft/core/configuration.h"

namespace curve::raft {

namespace {

[[noreturn]] void Fatal(GroupId group, const std::string& what, const Status& status) {
  auto logger = log::Get("raft");
  logger->critical("op={} group={} err=\"{}\"", what, group, status.ToString());
  logger->flush();
  std::abort();
}

}  // namespace

Replica::Replica(const GroupOptions& options, const ReplicaEnv& env)
    : options_(options), env_(env) {}

Replica::~Replica() = default;

Status Replica::Open() {
  const GroupId group = options_.id;
  log_ = env_.store->Group(group);
  if (!log_->HasRecords() && !options_.initial_members.empty()) {
    WriteBatch batch;
    batch.Bootstrap(group, MakeConfiguration(options_.initial_members));
    CURVE_RETURN_IF_ERROR(env_.store->Write(std::move(batch)).WithContext("bootstrap group"));
  }
  SnapshotMeta meta = log_->LatestSnapshotMeta();
  applied_ = meta.index;
  applied_term_ = meta.term;
  applied_config_ = meta.config;
  applied_config_index_ = meta.index;
  last_snapshot_index_ = meta.index;
  if (meta.index > 0) {
    CURVE_ASSIGN_OR_RETURN(Snapshot snapshot, log_->LatestSnapshot());
    CURVE_RETURN_IF_ERROR(options_.state_machine->LoadSnapshot(snapshot.meta, snapshot.data)
                              .WithContext("load snapshot " + std::to_string(meta.index)));
  }
  written_hard_state_ = latest_hard_state_ = log_->InitialHardState();

  RaftOptions raft = options_.raft;
  raft.id = env_.self;
  if (raft.random_seed == 0) raft.random_seed = std::random_device{}() ^ (group << 20);
  // The application may already reflect more than the log knows to be committed (the commit
  // index is persisted lazily): the core starts from what is durable, and entries the
  // application has already applied are skipped on their way to it.
  skip_apply_until_ = raft.applied;
  Index durable_commit = std::max(meta.index, written_hard_state_.commit);
  if (raft.applied != 0)
    raft.applied = std::max(meta.index, std::min(raft.applied, durable_commit));
  if (raft.applied > applied_) {
    // Learn the configuration in force at the starting point from the entries skipped.
    CURVE_ASSIGN_OR_RETURN(std::vector<Entry> entries,
                           log_->Entries(applied_ + 1, raft.applied + 1, UINT64_MAX));
    for (const Entry& e : entries) {
      if (e.type != EntryType::kConfChange) continue;
      CURVE_ASSIGN_OR_RETURN(ConfChangeEntry change, DecodeConfChangeEntry(e.data));
      applied_config_ = change.result;
      applied_config_index_ = e.index;
    }
    applied_ = raft.applied;
    applied_term_ = entries.empty() ? applied_term_ : entries.back().term;
  }
  CURVE_ASSIGN_OR_RETURN(core_, RaftCore::Create(raft, log_.get()));
  return Status::Ok();
}

LeaderHint Replica::Hint() const {
  LeaderHint hint;
  hint.leader = core_->leader();
  if (hint.leader == env_.self) {
    hint.address = env_.self_address;
  } else if (hint.leader != kNoNode) {
    hint.address = env_.transport->PeerAddress(hint.leader);
  }
  return hint;
}

Status Replica::MapError(const Status& status) const {
  if (status.code() == StatusCode::kFailedPrecondition && core_->role() != Role::kLeader) {
    return NotLeaderError(options_.id, Hint());
  }
  return status;
}

void Replica::Track(EntryId id, IndexCallback done) {
  uint64_t request = next_request_++;
  pending_.emplace(request, Pending{id.index, id.term, std::move(done),
                                    Clock::now() + options_.request_timeout});
  pending_by_index_.emplace(id.index, request);
}

void Replica::Propose(std::string data, IndexCallback done) {
  Result<EntryId> id = core_->Propose(std::move(data));
  if (!id.ok()) {
    done(MapError(id.status()));
    return;
  }
  Track(*id, std::move(done));
}

void Replica::ChangePeer(const ConfChange& change, IndexCallback done) {
  Result<EntryId> id = core_->ProposeConfChange(change);
  if (!id.ok()) {
    done(MapError(id.status()));
    return;
  }
  Track(*id, std::move(done));
}

void Replica::ReadBarrier(IndexCallback done) {
  uint64_t request = next_request_++;
  Status status = core_->ReadIndex(request);
  if (!status.ok()) {
    done(MapError(status));
    return;
  }
  reads_.emplace(request, PendingRead{std::move(done), Clock::now() + options_.request_timeout});
}

Status Replica::TransferLeader(NodeId target) { return MapError(core_->TransferLeader(target)); }

Status Replica::Campaign() { return core_->Campaign(); }

void Replica::Step(Message message) {
  Status status = core_->Step(std::move(message));
  if (!status.ok()) {
    log::Get("raft")->debug("op=Step group={} err=\"{}\"", options_.id, status.ToString());
  }
}

void Replica::Tick(Clock::time_point now, uint64_t clock) {
  core_->Tick(clock);
  ExpireRequests(now);
}

void Replica::ExpireRequests(Clock::time_point now) {
  // Every request gets the same timeout, so request ids are in deadline order.
  while (!pending_.empty() && pending_.begin()->second.deadline <= now) {
    Pending p = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    p.done(DeadlineExceededError("no outcome for entry " + std::to_string(p.index) + " within " +
                                 std::to_string(options_.request_timeout.count()) +
                                 " ms; it may still commit"));
  }
  while (!reads_.empty() && reads_.begin()->second.deadline <= now) {
    PendingRead r = std::move(reads_.begin()->second);
    reads_.erase(reads_.begin());
    r.done(DeadlineExceededError("read barrier not confirmed in time"));
  }
}

bool Replica::TakeReady() {
  if (!core_->HasReady()) return false;
  ready_ = core_->GetReady();
  ready_taken_ = true;
  return true;
}

void Replica::CollectMessages(bool after_persist, Outbox* out) {
  std::vector<Message>& messages = after_persist ? ready_.messages_after_persist : ready_.messages;
  for (Message& m : messages) (*out)[m.to].push_back(GroupMessage{options_.id, std::move(m)});
  messages.clear();
}

bool Replica::AddWrites(WriteBatch* batch) {
  if (ready_.hard_state) latest_hard_state_ = *ready_.hard_state;
  bool vote_changed = latest_hard_state_.term != written_hard_state_.term ||
                      latest_hard_state_.vote != written_hard_state_.vote;
  if (!ready_.snapshot && ready_.entries.empty() && !vote_changed) return false;
  if (ready_.snapshot) batch->InstallSnapshot(options_.id, *ready_.snapshot);
  if (!ready_.entries.empty()) batch->Append(options_.id, std::move(ready_.entries));
  if (latest_hard_state_ != written_hard_state_) {
    batch->SetHardState(options_.id, latest_hard_state_);
    written_hard_state_ = latest_hard_state_;
  }
  return true;
}

void Replica::Apply() {
  if (!ready_taken_) return;
  if (ready_.snapshot) {
    const Snapshot& snapshot = *ready_.snapshot;
    Status status = options_.state_machine->LoadSnapshot(snapshot.meta, snapshot.data);
    if (!status.ok()) Fatal(options_.id, "LoadSnapshot", status);
    applied_ = snapshot.meta.index;
    applied_term_ = snapshot.meta.term;
    applied_config_ = snapshot.meta.config;
    applied_config_index_ = snapshot.meta.index;
    last_snapshot_index_ = snapshot.meta.index;
    Resolve(applied_, applied_term_);
    options_.state_machine->OnConfigurationChange(applied_config_);
    log::Get("raft")->info("op=InstallSnapshot group={} index={} term={}", options_.id, applied_,
                           applied_term_);
  }
  if (ready_.soft_state) OnSoftState(*ready_.soft_state);
  for (const Entry& e : ready_.committed_entries) ApplyEntry(e);
  for (const ReadState& rs : ready_.read_states) {
    auto it = reads_.find(rs.request_id);
    if (it == reads_.end()) continue;  // expired meanwhile
    reads_ready_.emplace(rs.index, std::move(it->second.done));
    reads_.erase(it);
  }
  ReleaseReads();
  ready_ = Ready{};
  ready_taken_ = false;
  core_->Advance();
  MaybeSnapshot();
}

void Replica::ApplyEntry(const Entry& e) {
  if (e.index <= applied_) return;
  if (e.type == EntryType::kNormal) {
    if (e.index > skip_apply_until_) options_.state_machine->Apply(e.index, e.data);
  } else if (e.type == EntryType::kConfChange) {
    Result<ConfChangeEntry> change = DecodeConfChangeEntry(e.data);
    if (!change.ok()) Fatal(options_.id, "ApplyConfChange", change.status());
    applied_config_ = change->result;
    applied_config_index_ = e.index;
    options_.state_machine->OnConfigurationChange(applied_config_);
  }
  applied_ = e.index;
  applied_term_ = e.term;
  Resolve(e.index, e.term);
}

void Replica::Resolve(Index index, Term term) {
  while (!pending_by_index_.empty() && pending_by_index_.begin()->first <= index) {
    auto [at, request] = *pending_by_index_.begin();
    pending_by_index_.erase(pending_by_index_.begin());
    auto it = pending_.find(request);
    if (it == pending_.end()) continue;  // expired
    Pending p = std::move(it->second);
    pending_.erase(it);
    if (at < index) {
      p.done(UnknownError("outcome unknown: entry " + std::to_string(at) +
                          " was superseded by a snapshot at " + std::to_string(index)));
    } else if (p.term == term) {
      p.done(at);
    } else {
      p.done(AbortedError("entry " + std::to_string(at) + " of term " + std::to_string(p.term) +
                          " was overwritten by term " + std::to_string(term) +
                          " (leader changed)"));
    }
  }
}

void Replica::OnSoftState(const SoftState& soft) {
  if (soft.role != Role::kLeader && !reads_.empty()) {
    // The core dropped these reads when it stopped leading.
    std::map<uint64_t, PendingRead> reads;
    reads.swap(reads_);
    Status error = NotLeaderError(options_.id, Hint());
    for (auto& [id, r] : reads) r.done(error);
  }
  options_.state_machine->OnRoleChange(soft.role, core_->term(), soft.leader);
}

void Replica::ReleaseReads() {
  while (!reads_ready_.empty() && reads_ready_.begin()->first <= applied_) {
    auto node = reads_ready_.extract(reads_ready_.begin());
    node.mapped()(node.key());
  }
}

void Replica::MaybeSnapshot() {
  if (options_.snapshot_interval == 0 ||
      applied_ < last_snapshot_index_ + options_.snapshot_interval) {
    return;
  }
  last_snapshot_index_ = applied_;  // also on failure: retry after another interval
  Result<std::string> data = options_.state_machine->SaveSnapshot();
  if (!data.ok()) {
    log::Get("raft")->error("op=SaveSnapshot group={} index={} err=\"{}\"", options_.id, applied_,
                            data.status().ToString());
    return;
  }
  WriteBatch batch;
  batch.SaveSnapshot(options_.id,
                     Snapshot{SnapshotMeta{applied_, applied_term_, applied_config_}, *data});
  if (applied_ > options_.snapshot_keep_entries) {
    Index compact = applied_ - options_.snapshot_keep_entries;
    if (compact >= log_->FirstIndex()) batch.Compact(options_.id, compact);
  }
  Status status = env_.store->Write(std::move(batch));
  if (!status.ok()) Fatal(options_.id, "WriteSnapshot", status);
}

GroupStatus Replica::GetStatus() const {
  NodeStatus ns = core_->GetStatus();
  GroupStatus s;
  s.group = options_.id;
  s.id = ns.id;
  s.role = ns.role;
  s.term = ns.term;
  s.leader = ns.leader;
  s.leader_address = Hint().address;
  s.commit = ns.commit;
  s.applied = applied_;
  s.first_index = ns.first_index;
  s.last_index = ns.last_index;
  s.snapshot_index = log_->LatestSnapshotMeta().index;
  s.config = ns.config;
  s.applied_config = applied_config_;
  s.applied_config_index = applied_config_index_;
  for (const PeerStatus& p : ns.peers) {
    s.peers.push_back(PeerReplication{p.id, p.match, p.next, p.state, p.recent_active});
  }
  return s;
}

void Replica::Close(const Status& status, WriteBatch* batch) {
  std::map<uint64_t, Pending> pending;
  pending.swap(pending_);
  pending_by_index_.clear();
  for (auto& [id, p] : pending) p.done(status);
  std::map<uint64_t, PendingRead> reads;
  reads.swap(reads_);
  for (auto& [id, r] : reads) r.done(status);
  std::multimap<Index, IndexCallback> ready;
  ready.swap(reads_ready_);
  for (auto& [index, done] : ready) done(status);
  if (core_ != nullptr && latest_hard_state_ != written_hard_state_) {
    batch->SetHardState(options_.id, latest_hard_state_);
    written_hard_state_ = latest_hard_state_;
  }
}

}  // namespace curve::raft
