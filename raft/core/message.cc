#include "raft/core/message.h"

namespace curve::raft {

const char* MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kPreVote:
      return "PreVote";
    case MessageType::kPreVoteResp:
      return "PreVoteResp";
    case MessageType::kVote:
      return "Vote";
    case MessageType::kVoteResp:
      return "VoteResp";
    case MessageType::kAppend:
      return "Append";
    case MessageType::kAppendResp:
      return "AppendResp";
    case MessageType::kHeartbeat:
      return "Heartbeat";
    case MessageType::kHeartbeatResp:
      return "HeartbeatResp";
    case MessageType::kSnapshot:
      return "Snapshot";
    case MessageType::kTimeoutNow:
      return "TimeoutNow";
  }
  return "Unknown";
}

bool IsLeaderReplicationMessage(MessageType type) {
  return type == MessageType::kAppend || type == MessageType::kHeartbeat ||
         type == MessageType::kSnapshot || type == MessageType::kTimeoutNow;
}

std::ostream& operator<<(std::ostream& os, const Message& m) {
  os << MessageTypeName(m.type) << " " << m.from << "->" << m.to << " term=" << m.term
     << " index=" << m.index << " log_term=" << m.log_term << " commit=" << m.commit;
  if (!m.entries.empty()) {
    os << " entries=[" << m.entries.front().index << ".." << m.entries.back().index << "]";
  }
  if (m.reject) os << " reject hint=" << m.reject_hint;
  if (m.read_seq != 0) os << " seq=" << m.read_seq;
  if (m.transfer) os << " transfer";
  if (m.snapshot) os << " snapshot=" << m.snapshot->meta.index << "@" << m.snapshot->meta.term;
  return os;
}

}  // namespace curve::raft
