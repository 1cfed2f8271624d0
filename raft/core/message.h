#pragma once

// The messages raft peers exchange. The core never sends anything itself: it hands messages to
// the driver in a Ready, and the driver delivers received ones through RaftCore::Step. The
// transport may serialise them any way it likes; every field below must survive the trip.

#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

#include "raft/core/types.h"

namespace curve::raft {

enum class MessageType : uint8_t {
  // Election. Requests carry the candidate's last log position in (index, log_term). A pre-vote
  // request carries the term the candidate WOULD campaign in; no one changes term for it.
  kPreVote = 0,
  kPreVoteResp = 1,
  kVote = 2,
  kVoteResp = 3,
  // Replication. An append carries entries following (index, log_term) and the leader's commit.
  // The response's `index` is the last index the follower now matches (accept) or the rejected
  // `index` (reject), with a hint (reject_hint, log_term) to skip back quickly.
  kAppend = 4,
  kAppendResp = 5,
  // Liveness, commit propagation and read confirmation: a heartbeat carries a commit index the
  // follower is known to hold and the leader's heartbeat round number `read_seq`, which the
  // response echoes.
  kHeartbeat = 6,
  kHeartbeatResp = 7,
  // InstallSnapshot: `snapshot` is set. Answered by kAppendResp.
  kSnapshot = 8,
  // Leadership transfer: the receiver campaigns at once, without pre-vote, bypassing leases.
  kTimeoutNow = 9,
};

const char* MessageTypeName(MessageType type);

struct Message {
  MessageType type = MessageType::kAppend;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Term term = 0;
  Term log_term = 0;
  Index index = 0;
  Index commit = 0;
  std::vector<Entry> entries{};
  bool reject = false;
  Index reject_hint = 0;
  uint64_t read_seq = 0;
  // Vote requests of a campaign started by kTimeoutNow: voters grant them even inside a lease.
  bool transfer = false;
  std::optional<Snapshot> snapshot{};

  bool operator==(const Message&) const = default;
};

// True for the request types whose sender does not claim anything about its own durable state,
// so they may leave before the sender's Ready has been persisted (see ready.h).
bool IsLeaderReplicationMessage(MessageType type);

std::ostream& operator<<(std::ostream& os, const Message& m);

}  // namespace curve::raft
