#include "raft/core/configuration.h"

#include <algorithm>

#include "raft/core/codec.h"

namespace curve::raft {

bool Configuration::Contains(NodeId id) const {
  return std::binary_search(voters.begin(), voters.end(), id);
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, const Configuration& config) {
  os << "{";
  for (size_t i = 0; i < config.voters.size(); ++i) {
    os << (i == 0 ? "" : ",") << config.voters[i];
  }
  return os << "}";
}

std::ostream& operator<<(std::ostream& os, const EntryId& id) {
  return os << "(term=" << id.term << " index=" << id.index << ")";
}

Configuration MakeConfiguration(std::vector<NodeId> voters) {
  std::sort(voters.begin(), voters.end());
  voters.erase(std::unique(voters.begin(), voters.end()), voters.end());
  return Configuration{std::move(voters)};
}

Result<Configuration> ApplyConfChange(const Configuration& base, const ConfChange& change) {
  if (change.node == kNoNode) return InvalidArgumentError("conf change names node 0");
  std::vector<NodeId> voters = base.voters;
  switch (change.type) {
    case ConfChangeType::kAddVoter:
      if (base.Contains(change.node)) {
        return AlreadyExistsError("node " + std::to_string(change.node) + " is already a voter");
      }
      voters.push_back(change.node);
      break;
    case ConfChangeType::kRemoveVoter:
      if (!base.Contains(change.node)) {
        return NotFoundError("node " + std::to_string(change.node) + " is not a voter");
      }
      std::erase(voters, change.node);
      if (voters.empty()) return FailedPreconditionError("cannot remove the last voter");
      break;
    default:
      return InvalidArgumentError("unknown conf change type");
  }
  return MakeConfiguration(std::move(voters));
}

namespace {

void PutConfiguration(std::string* out, const Configuration& config) {
  PutVarint(out, config.voters.size());
  for (NodeId id : config.voters) PutVarint(out, id);
}

bool GetConfiguration(std::string_view* in, Configuration* config) {
  uint64_t n = 0;
  if (!GetVarint(in, &n) || n > in->size()) return false;
  std::vector<NodeId> voters;
  voters.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t id = 0;
    if (!GetVarint(in, &id) || id == kNoNode) return false;
    voters.push_back(id);
  }
  *config = MakeConfiguration(std::move(voters));
  return config->voters.size() == n;
}

}  // namespace

std::string EncodeConfChangeEntry(const ConfChangeEntry& entry) {
  std::string out;
  PutVarint(&out, static_cast<uint64_t>(entry.change.type));
  PutVarint(&out, entry.change.node);
  PutConfiguration(&out, entry.result);
  return out;
}

Result<ConfChangeEntry> DecodeConfChangeEntry(const std::string& data) {
  std::string_view in(data);
  uint64_t type = 0;
  ConfChangeEntry entry;
  if (!GetVarint(&in, &type) || type > 1 || !GetVarint(&in, &entry.change.node) ||
      !GetConfiguration(&in, &entry.result) || !in.empty()) {
    return DataLossError("malformed conf change entry of " + std::to_string(data.size()) +
                         " bytes");
  }
  entry.change.type = static_cast<ConfChangeType>(type);
  return entry;
}

std::string EncodeConfiguration(const Configuration& config) {
  std::string out;
  PutConfiguration(&out, config);
  return out;
}

Result<Configuration> DecodeConfiguration(const std::string& data) {
  std::string_view in(data);
  Configuration config;
  if (!GetConfiguration(&in, &config) || !in.empty()) {
    return DataLossError("malformed configuration of " + std::to_string(data.size()) + " bytes");
  }
  return config;
}

uint64_t QuorumValue(const Configuration& config, const std::function<uint64_t(NodeId)>& value) {
  if (config.voters.empty()) return 0;
  std::vector<uint64_t> values;
  values.reserve(config.voters.size());
  for (NodeId id : config.voters) values.push_back(value(id));
  // After sorting descending, the element at position n/2 is held (or exceeded) by n/2+1 voters.
  std::sort(values.begin(), values.end(), std::greater<>());
  return values[values.size() / 2];
}

VoteResult TallyVotes(const Configuration& config, const std::function<int(NodeId)>& granted) {
  if (config.voters.empty()) return VoteResult::kLost;
  size_t yes = 0;
  size_t missing = 0;
  for (NodeId id : config.voters) {
    int g = granted(id);
    if (g > 0) ++yes;
    if (g < 0) ++missing;
  }
  size_t majority = config.voters.size() / 2 + 1;
  if (yes >= majority) return VoteResult::kWon;
  if (yes + missing >= majority) return VoteResult::kPending;
  return VoteResult::kLost;
}

}  // namespace curve::raft
