#include "raft/node/testing/process_cluster.h"

namespace curve::raft {

ProcessCluster::ProcessCluster(const std::vector<NodeId>& ids, uint64_t group,
                               std::chrono::milliseconds tick, int election_tick)
    : group_(group), tick_(tick), election_tick_(election_tick), founders_(ids) {
  for (NodeId id : ids) ports_[id] = curve::testing::PickFreePort();
}

NodeProcessOptions ProcessCluster::Options(NodeId id) {
  if (ports_.count(id) == 0) ports_[id] = curve::testing::PickFreePort();
  NodeProcessOptions options;
  options.id = id;
  options.port = ports_[id];
  options.data_dir = dir_.path() + "/node" + std::to_string(id);
  options.peers = ports_;
  options.members = founders_;
  options.tick = tick_;
  options.election_tick = election_tick_;
  options.stderr_path = dir_.path() + "/node" + std::to_string(id) + ".log";
  return options;
}

Status ProcessCluster::Start(const NodeProcessOptions& options) {
  CURVE_ASSIGN_OR_RETURN(std::unique_ptr<NodeProcess> node, NodeProcess::Start(options));
  std::lock_guard<std::mutex> lock(mu_);
  nodes_[options.id] = std::move(node);
  return Status::Ok();
}

std::shared_ptr<NodeProcess> ProcessCluster::Node(NodeId id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second;
}

void ProcessCluster::Remove(NodeId id) {
  std::lock_guard<std::mutex> lock(mu_);
  nodes_.erase(id);
}

std::vector<std::shared_ptr<NodeProcess>> ProcessCluster::Live() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<NodeProcess>> live;
  for (auto& [id, node] : nodes_) live.push_back(node);
  return live;
}

std::optional<testnode::StatusResponse> ProcessCluster::Leader() {
  std::optional<testnode::StatusResponse> best;
  for (auto& node : Live()) {
    auto status = node->Status(group_);
    if (status.ok() && status->role() == "leader" && (!best || status->term() > best->term())) {
      best = *status;
    }
  }
  return best;
}

std::optional<std::map<std::string, std::string>> ProcessCluster::Converged(
    std::chrono::milliseconds timeout) {
  std::map<std::string, std::string> state;
  bool converged = curve::testing::PollUntil(
      [&] {
        auto leader = Leader();
        if (!leader) return false;
        bool first = true;
        for (auto& node : Live()) {
          auto dump = node->Dump(group_);
          if (!dump.ok() || dump->applied() < leader->commit()) return false;
          std::map<std::string, std::string> values(dump->values().begin(), dump->values().end());
          if (first) {
            state.swap(values);
            first = false;
          } else if (values != state) {
            return false;
          }
        }
        return true;
      },
      timeout);
  if (!converged) return std::nullopt;
  return state;
}

}  // namespace curve::raft
