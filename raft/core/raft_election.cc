// Raft: leader election with pre-vote, and the lease check that keeps a healthy group stable.

#include "raft/core/raft.h"

namespace curve::raft {

Status Raft::Campaign() {
  if (role_ == Role::kLeader) return FailedPreconditionError("already the leader");
  if (!Promotable()) {
    return FailedPreconditionError("node " + std::to_string(id_) + " is not a voter");
  }
  Hup(/*transfer=*/false);
  return Status::Ok();
}

void Raft::Hup(bool transfer) {
  if (role_ == Role::kLeader || !Promotable()) return;
  StartCampaign(/*pre_vote=*/pre_vote_ && !transfer, transfer);
}

void Raft::StartCampaign(bool pre_vote, bool transfer) {
  if (pre_vote) {
    BecomePreCandidate();
  } else {
    BecomeCandidate();
  }
  tracker_.RecordVote(id_, true);
  if (tracker_.TallyVotes() == VoteResult::kWon) {
    // A single voter wins on its own vote.
    if (pre_vote) {
      StartCampaign(/*pre_vote=*/false, transfer);
    } else {
      BecomeLeader();
    }
    return;
  }
  EntryId last = log_.LastEntryId();
  for (NodeId voter : tracker_.config().voters) {
    if (voter == id_) continue;
    Send(Message{.type = pre_vote ? MessageType::kPreVote : MessageType::kVote,
                 .to = voter,
                 .term = pre_vote ? term_ + 1 : term_,
                 .log_term = last.term,
                 .index = last.index,
                 .transfer = transfer});
  }
}

void Raft::HandleVoteRequest(const Message& m) {
  bool pre_vote = m.type == MessageType::kPreVote;
  MessageType response = pre_vote ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  // We may vote again for whom we voted for; otherwise only when we have neither voted nor follow
  // a leader in this term. A pre-vote for a future term is hypothetical, so it is always open.
  bool can_vote =
      vote_ == m.from || (vote_ == kNoNode && leader_ == kNoNode) || (pre_vote && m.term > term_);
  if (can_vote && log_.IsUpToDate(m.index, m.log_term)) {
    // Grants carry the requested term so the candidate can tell them from stale answers.
    Send(Message{.type = response, .to = m.from, .term = m.term});
    if (!pre_vote) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    Send(Message{.type = response, .to = m.from, .term = term_, .reject = true});
  }
}

void Raft::HandleVoteResponse(const Message& m) {
  tracker_.RecordVote(m.from, !m.reject);
  switch (tracker_.TallyVotes()) {
    case VoteResult::kWon:
      if (role_ == Role::kPreCandidate) {
        StartCampaign(/*pre_vote=*/false, /*transfer=*/false);
      } else {
        BecomeLeader();
      }
      break;
    case VoteResult::kLost:
      BecomeFollower(term_, kNoNode);
      break;
    case VoteResult::kPending:
      break;
  }
}

bool Raft::InLease() const {
  return check_quorum_ && election_elapsed_ < election_tick_ &&
         (leader_ != kNoNode || recently_started_);
}

}  // namespace curve::raft
