#pragma once

// Membership changes, one voter at a time, and their encoding in log entries.
//
// Rule (Raft dissertation §4.1, single-server changes): a configuration takes effect on a node as
// soon as its entry is APPENDED to that node's log, committed or not; if the entry is later
// truncated away the node falls back to the previous configuration in its log. A leader proposes
// a change only when (a) it has committed an entry of its own term and (b) no earlier
// configuration entry is still uncommitted, so at most one change is ever pending and every two
// configurations that can be in force at once differ by one voter (their majorities intersect).
// A replacement is an add followed, once the add is committed, by a remove.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "raft/core/types.h"

namespace curve::raft {

// Builds a configuration from ids in any order; duplicates are dropped.
Configuration MakeConfiguration(std::vector<NodeId> voters);

enum class ConfChangeType : uint8_t {
  kAddVoter = 0,
  kRemoveVoter = 1,
};

struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddVoter;
  NodeId node = kNoNode;
  bool operator==(const ConfChange&) const = default;
};

// The payload of an EntryType::kConfChange entry: the change and the whole configuration that
// results from it, so a node that has never seen the earlier configurations (a new member
// catching up from index 1) still learns the full membership.
struct ConfChangeEntry {
  ConfChange change;
  Configuration result;
  bool operator==(const ConfChangeEntry&) const = default;
};

// Applies `change` to `base`. InvalidArgument when the node id is 0, AlreadyExists when adding a
// member, NotFound when removing a non-member, FailedPrecondition when the result would be empty.
Result<Configuration> ApplyConfChange(const Configuration& base, const ConfChange& change);

std::string EncodeConfChangeEntry(const ConfChangeEntry& entry);
// DataLoss when `data` is not a well-formed encoding.
Result<ConfChangeEntry> DecodeConfChangeEntry(const std::string& data);

std::string EncodeConfiguration(const Configuration& config);
Result<Configuration> DecodeConfiguration(const std::string& data);

// The largest value v such that a majority of `config`'s voters have value(voter) >= v; 0 when
// the configuration is empty. Used for the commit index (value = match index) and for
// confirming reads (value = acknowledged heartbeat round).
uint64_t QuorumValue(const Configuration& config, const std::function<uint64_t(NodeId)>& value);

enum class VoteResult : uint8_t { kPending, kWon, kLost };

// Tallies an election: `granted(id)` returns 1 for a granted vote, 0 for a rejection and -1 when
// the voter has not answered.
VoteResult TallyVotes(const Configuration& config, const std::function<int(NodeId)>& granted);

}  // namespace curve::raft
