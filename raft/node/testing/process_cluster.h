#pragma once

// ProcessCluster: raft_test_node processes of one test, on free loopback ports and a temp dir,
// each with its log file (<dir>/node<id>.log) and data dir (<dir>/node<id>). Every node is told
// every other's port up front, so members added later are reachable.
//
// Thread-safety: Live, Node and Leader may be called from any thread; the rest from the test's.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/testing/subprocess.h"
#include "raft/node/testing/node_process.h"

namespace curve::raft {

class ProcessCluster {
 public:
  ProcessCluster(const std::vector<NodeId>& ids, uint64_t group, std::chrono::milliseconds tick,
                 int election_tick);

  // Options for node `id` (a founding member of all `ids` unless changed), to adjust and Start.
  NodeProcessOptions Options(NodeId id);
  Status Start(const NodeProcessOptions& options);

  std::shared_ptr<NodeProcess> Node(NodeId id);
  // Forgets a node (after killing or stopping it).
  void Remove(NodeId id);
  std::vector<std::shared_ptr<NodeProcess>> Live();

  // The live node that reports itself leader of the group with the highest term, if any.
  std::optional<testnode::StatusResponse> Leader();

  // Waits until every live node has applied the leader's commit index and all hold the same
  // state; returns it, or nullopt at the timeout.
  std::optional<std::map<std::string, std::string>> Converged(std::chrono::milliseconds timeout);

  const std::string& dir() const { return dir_.path(); }

 private:
  curve::testing::TempDir dir_;
  const uint64_t group_;
  const std::chrono::milliseconds tick_;
  const int election_tick_;
  std::vector<NodeId> founders_;
  std::map<NodeId, int> ports_;
  std::mutex mu_;
  std::map<NodeId, std::shared_ptr<NodeProcess>> nodes_;
};

}  // namespace curve::raft
