// Raft: log replication. The follower side of appends, heartbeats and snapshots; the leader's
// sending (probe, pipelined replicate, snapshot), its handling of responses, and commit.
//
// Followers learn a new commit index from the next append or heartbeat; the leader does not send
// an extra message per commit.

#include <algorithm>

#include "raft/core/check.h"
#include "raft/core/raft.h"

namespace curve::raft {

void Raft::HandleAppend(Message& m) {
  if (m.index < log_.committed()) {
    // Everything up to our commit index already matches the leader.
    Send(Message{
        .type = MessageType::kAppendResp, .to = m.from, .term = term_, .index = log_.committed()});
    return;
  }
  std::optional<Index> last_new =
      log_.MaybeAppend(m.index, m.log_term, m.commit, std::move(m.entries));
  if (last_new) {
    SyncConfiguration();
    Send(
        Message{.type = MessageType::kAppendResp, .to = m.from, .term = term_, .index = *last_new});
    return;
  }
  // Mismatch at m.index. Hint the last index that can still match: the latest one whose term is
  // not above the leader's term at m.index (everything after it conflicts or is missing).
  Index hint = log_.FindConflictByTerm(std::min(m.index, log_.LastIndex()), m.log_term);
  Send(Message{.type = MessageType::kAppendResp,
               .to = m.from,
               .term = term_,
               .log_term = log_.TermOrZero(hint),
               .index = m.index,
               .reject = true,
               .reject_hint = hint});
}

void Raft::HandleHeartbeat(const Message& m) {
  // The leader only sends a commit index we are known to hold.
  log_.CommitTo(m.commit);
  Send(Message{
      .type = MessageType::kHeartbeatResp, .to = m.from, .term = term_, .read_seq = m.read_seq});
}

void Raft::HandleSnapshot(const Message& m) {
  const SnapshotMeta& meta = m.snapshot->meta;
  Index ack;
  if (meta.index <= log_.committed()) {
    ack = log_.committed();
  } else if (log_.MatchTerm(meta.index, meta.term)) {
    // We already hold the snapshot's last entry: keep our log, just learn the commit.
    log_.CommitTo(meta.index);
    ack = log_.committed();
  } else {
    log_.Restore(*m.snapshot);
    SyncConfiguration();
    ack = log_.LastIndex();
  }
  Send(Message{.type = MessageType::kAppendResp, .to = m.from, .term = term_, .index = ack});
}

void Raft::HandleAppendResponse(const Message& m, Progress* pr) {
  pr->recent_active = true;
  if (m.reject) {
    Index hint = m.reject_hint;
    if (m.log_term > 0) hint = log_.FindConflictByTerm(m.reject_hint, m.log_term);
    if (pr->MaybeDecreaseTo(m.index, hint)) {
      if (pr->state() == ProgressState::kReplicate) pr->BecomeProbe();
      SendAppend(m.from, /*send_if_empty=*/true);
    }
    return;
  }
  bool was_paused = pr->IsPaused();
  if (!pr->MaybeUpdate(m.index)) return;
  switch (pr->state()) {
    case ProgressState::kProbe:
      pr->BecomeReplicate();
      break;
    case ProgressState::kSnapshot:
      if (pr->match() >= pr->pending_snapshot() || pr->match() + 1 >= log_.FirstIndex()) {
        pr->BecomeProbe();
        pr->BecomeReplicate();
      }
      break;
    case ProgressState::kReplicate:
      pr->inflights_mutable().FreeLE(m.index);
      break;
  }
  if (MaybeCommit()) OnCommitAdvanced();
  if (role_ != Role::kLeader) return;  // stepped down after its own removal committed
  SendAppend(m.from, /*send_if_empty=*/was_paused);
  if (m.from == transferee_ && pr->match() == log_.LastIndex()) SendTimeoutNow(m.from);
}

void Raft::HandleHeartbeatResponse(const Message& m, Progress* pr) {
  pr->OnHeartbeatResponse();
  pr->acked_read_seq = std::max(pr->acked_read_seq, m.read_seq);
  // An empty append doubles as a probe for appends lost on the way.
  if (pr->match() < log_.LastIndex()) SendAppend(m.from, /*send_if_empty=*/true);
  ReleaseReads();
}

void Raft::SendAppend(NodeId to, bool send_if_empty) {
  Progress* pr = tracker_.Find(to);
  if (pr == nullptr || to == id_) return;
  bool sent = MaybeSendAppend(to, pr, send_if_empty);
  // Pipelining: in replicate state keep sending until the window is full or nothing is left.
  while (sent && pr->state() == ProgressState::kReplicate) {
    sent = MaybeSendAppend(to, pr, /*send_if_empty=*/false);
  }
}

bool Raft::MaybeSendAppend(NodeId to, Progress* pr, bool send_if_empty) {
  if (pr->IsPaused()) return false;
  Index last = log_.LastIndex();
  CURVE_RAFT_CHECK(pr->next() >= 1 && pr->next() <= last + 1)
      << "next " << pr->next() << " for " << to << " beyond last " << last;
  Index prev = pr->next() - 1;
  Result<Term> prev_term = log_.TermAt(prev);
  if (!prev_term.ok()) return MaybeSendSnapshot(to, pr);
  std::vector<Entry> entries;
  if (pr->next() <= last) {
    Result<std::vector<Entry>> slice = log_.Slice(pr->next(), last + 1, max_bytes_per_message_);
    if (!slice.ok()) return MaybeSendSnapshot(to, pr);
    entries = std::move(slice).value();
  }
  if (entries.empty() && !send_if_empty) return false;
  uint64_t bytes = 0;
  for (const Entry& e : entries) bytes += e.ByteSize();
  pr->SentEntries(entries.empty() ? prev : entries.back().index, bytes);
  Send(Message{.type = MessageType::kAppend,
               .to = to,
               .term = term_,
               .log_term = *prev_term,
               .index = prev,
               .commit = log_.committed(),
               .entries = std::move(entries)});
  return true;
}

bool Raft::MaybeSendSnapshot(NodeId to, Progress* pr) {
  // A peer that has not answered lately would probably drop a costly transfer.
  if (!pr->recent_active) return false;
  Result<Snapshot> snapshot = storage_->LatestSnapshot();
  if (!snapshot.ok()) {
    CURVE_RAFT_CHECK(snapshot.status().code() == StatusCode::kUnavailable)
        << "reading the snapshot for " << to << ": " << snapshot.status();
    return false;
  }
  CURVE_RAFT_CHECK(snapshot->meta.index > 0 && snapshot->meta.index + 1 >= log_.FirstIndex())
      << "snapshot at " << snapshot->meta.index << " does not cover the compacted log up to "
      << log_.FirstIndex() - 1;
  pr->BecomeSnapshot(snapshot->meta.index);
  Send(Message{.type = MessageType::kSnapshot,
               .to = to,
               .term = term_,
               .snapshot = std::move(snapshot).value()});
  return true;
}

void Raft::BroadcastAppend() {
  for (NodeId id : tracker_.config().voters) {
    if (id != id_) SendAppend(id, /*send_if_empty=*/false);
  }
}

void Raft::BroadcastHeartbeat() {
  uint64_t seq = reads_.StartRound(now_);
  if (Progress* self = tracker_.Find(id_)) self->acked_read_seq = seq;
  for (const auto& [id, pr] : tracker_.progress()) {
    if (id == id_) continue;
    Send(Message{.type = MessageType::kHeartbeat,
                 .to = id,
                 .term = term_,
                 .commit = std::min(pr.match(), log_.committed()),
                 .read_seq = seq});
  }
  ReleaseReads();
}

bool Raft::MaybeCommit() { return log_.MaybeCommit(tracker_.QuorumMatch(), term_); }

void Raft::OnCommitAdvanced() {
  while (!uncommitted_.empty() && uncommitted_.front().first <= log_.committed()) {
    uncommitted_bytes_ -= uncommitted_.front().second;
    uncommitted_.pop_front();
  }
  if (!reads_awaiting_commit_.empty() && CommittedInCurrentTerm()) {
    std::vector<uint64_t> ids;
    ids.swap(reads_awaiting_commit_);
    for (uint64_t id : ids) ServeRead(id);
  }
  MaybeStepDownAfterRemoval();
}

}  // namespace curve::raft
