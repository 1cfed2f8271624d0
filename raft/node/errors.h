#pragma once

// Errors the raft node API returns, and how callers recognise them.
//
//   FailedPrecondition "not the leader of group G; leader=N leader_address=H:P": the request was
//       not accepted here; retry at the named leader (0 / empty when unknown). ParseNotLeader
//       extracts the hint.
//   Aborted: the proposal was appended but another leader overwrote it: it will never commit.
//   Unavailable: the group is changing leader, shutting down or was removed; retry later.
//   DeadlineExceeded: no outcome within the group's request timeout: the proposal may or may
//       not commit (the caller must find out, e.g. by reading).
//   Unknown: the outcome cannot be known here (a snapshot from the leader replaced the entry's
//       index before it was applied); like DeadlineExceeded.

#include <optional>
#include <string>

#include "common/status.h"
#include "raft/core/types.h"
#include "raft/transport/transport.h"

namespace curve::raft {

struct LeaderHint {
  NodeId leader = kNoNode;
  std::string address;
};

Status NotLeaderError(GroupId group, const LeaderHint& hint);

// The hint of a NotLeader error, or nullopt for any other status.
std::optional<LeaderHint> ParseNotLeader(const Status& status);

}  // namespace curve::raft
