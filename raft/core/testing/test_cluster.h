#pragma once

// TestCluster: a synchronous, deterministic harness for unit tests of the raft core. Each node
// has a MemoryLog as its disk and a trivial state machine (the list of applied data). Messages
// are queued and delivered in FIFO order by Stabilize(); links can be cut. Not thread-safe.

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "raft/core/memory_log.h"
#include "raft/core/raft_core.h"

namespace curve::raft::testing {

struct TestNode {
  MemoryLog disk;
  std::unique_ptr<RaftCore> core;  // null while crashed
  RaftOptions options;
  // State machine: data of applied normal entries, in order; rebuilt from snapshots.
  std::vector<std::string> applied;
  Index applied_index = 0;
  Configuration applied_config;
  std::vector<ReadState> read_states;
  std::vector<SoftState> soft_states;
};

class TestCluster {
 public:
  // Nodes 1..n, all founding voters. `tweak` may adjust each node's options.
  explicit TestCluster(int n, const std::function<void(RaftOptions*)>& tweak = nullptr);

  TestNode& node(NodeId id) { return *nodes_.at(id); }
  RaftCore& core(NodeId id) { return *nodes_.at(id)->core; }
  std::vector<NodeId> ids() const;

  // Adds a node with an empty log (to be added to the group by a configuration change).
  void AddEmptyNode(NodeId id);

  // Runs every node's Ready (persisting, applying, queueing messages) and delivers queued
  // messages until nothing is left to do.
  void Stabilize();
  // Handles every pending Ready once, queueing messages without delivering them.
  void ProcessReadies();
  // Messages queued and not yet delivered; tests may inspect, edit or drop them.
  std::vector<Message>& queue() { return queue_; }
  // Delivers every queued message once (new messages are queued, not delivered).
  void DeliverQueued();

  void Tick(NodeId id, int ticks = 1);
  void TickAll(int ticks = 1);

  // Campaign on `id` and stabilize; returns whether it became leader.
  bool Elect(NodeId id);
  // The unique live leader of the highest term, or 0.
  NodeId Leader() const;

  // Messages between a and b are dropped (both directions).
  void Cut(NodeId a, NodeId b);
  void Isolate(NodeId id);
  void Heal();

  // Loses everything not persisted; the node stops until Restart.
  void Crash(NodeId id);
  void Restart(NodeId id);

  // Snapshots `id`'s state machine at its applied index and compacts its disk up to there.
  void SnapshotAndCompact(NodeId id);

  // Propose on `id` and stabilize. Returns the proposal's result.
  Result<EntryId> Propose(NodeId id, const std::string& data);

 private:
  void StartCore(TestNode& node);
  void HandleReady(NodeId id);
  bool Blocked(NodeId from, NodeId to) const;

  std::map<NodeId, std::unique_ptr<TestNode>> nodes_;
  std::vector<Message> queue_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  std::function<void(RaftOptions*)> tweak_;
};

// Encoding of the test state machine in snapshots.
std::string EncodeStrings(const std::vector<std::string>& values);
std::vector<std::string> DecodeStrings(const std::string& data);

}  // namespace curve::raft::testing
