#include "raft/node/errors.h"

#include <cstdlib>

namespace curve::raft {

namespace {
constexpr std::string_view kPrefix = "not the leader of group ";
}  // namespace

Status NotLeaderError(GroupId group, const LeaderHint& hint) {
  return FailedPreconditionError(std::string(kPrefix) + std::to_string(group) + "; leader=" +
                                 std::to_string(hint.leader) + " leader_address=" + hint.address);
}

std::optional<LeaderHint> ParseNotLeader(const Status& status) {
  if (status.code() != StatusCode::kFailedPrecondition) return std::nullopt;
  const std::string& m = status.message();
  if (m.find(kPrefix) == std::string::npos) return std::nullopt;
  size_t leader = m.find("leader=");
  size_t address = m.find(" leader_address=");
  if (leader == std::string::npos || address == std::string::npos) return std::nullopt;
  LeaderHint hint;
  hint.leader = std::strtoull(m.c_str() + leader + 7, nullptr, 10);
  hint.address = m.substr(address + 16);
  return hint;
}

}  // namespace curve::raft
