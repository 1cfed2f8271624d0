#include "raft/core/testing/test_cluster.h"

#include <cassert>
#include <cstdio>
#include <cstdlib>

#include "raft/core/codec.h"
#include "raft/core/configuration.h"

namespace curve::raft::testing {

namespace {

void Must(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::abort();
  }
}

}  // namespace

std::string EncodeStrings(const std::vector<std::string>& values) {
  std::string out;
  PutVarint(&out, values.size());
  for (const std::string& v : values) {
    PutVarint(&out, v.size());
    out += v;
  }
  return out;
}

std::vector<std::string> DecodeStrings(const std::string& data) {
  std::string_view in(data);
  uint64_t n = 0;
  std::vector<std::string> out;
  if (!GetVarint(&in, &n)) return out;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    if (!GetVarint(&in, &len) || len > in.size()) break;
    out.emplace_back(in.substr(0, len));
    in.remove_prefix(len);
  }
  return out;
}

TestCluster::TestCluster(int n, const std::function<void(RaftOptions*)>& tweak) : tweak_(tweak) {
  std::vector<NodeId> voters;
  for (int i = 1; i <= n; ++i) voters.push_back(i);
  Configuration config = MakeConfiguration(voters);
  for (NodeId id : voters) {
    auto node = std::make_unique<TestNode>();
    node->disk = MemoryLog::Bootstrap(config);
    node->applied_config = config;
    nodes_[id] = std::move(node);
    nodes_[id]->options.id = id;
    nodes_[id]->options.random_seed = id * 7919;
    if (tweak_) tweak_(&nodes_[id]->options);
    StartCore(*nodes_[id]);
  }
}

void TestCluster::AddEmptyNode(NodeId id) {
  auto node = std::make_unique<TestNode>();
  node->options.id = id;
  node->options.random_seed = id * 7919;
  if (tweak_) tweak_(&node->options);
  nodes_[id] = std::move(node);
  StartCore(*nodes_[id]);
}

std::vector<NodeId> TestCluster::ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, node] : nodes_) out.push_back(id);
  return out;
}

void TestCluster::StartCore(TestNode& node) {
  Result<std::unique_ptr<RaftCore>> core = RaftCore::Create(node.options, &node.disk);
  Must(core.status(), "create raft core");
  node.core = std::move(core).value();
  // The state machine restarts from the snapshot; committed entries are re-applied after it.
  Result<Snapshot> snap = node.disk.LatestSnapshot();
  node.applied = DecodeStrings(snap->data);
  node.applied_index = snap->meta.index;
  node.applied_config = snap->meta.config;
}

bool TestCluster::Blocked(NodeId from, NodeId to) const {
  return cut_.count({from, to}) > 0 || !nodes_.count(to) || !nodes_.at(to)->core;
}

void TestCluster::HandleReady(NodeId id) {
  TestNode& n = *nodes_.at(id);
  Ready rd = n.core->GetReady();
  if (rd.soft_state) n.soft_states.push_back(*rd.soft_state);
  if (rd.snapshot) {
    Must(n.disk.ApplySnapshot(*rd.snapshot), "apply snapshot");
    n.applied = DecodeStrings(rd.snapshot->data);
    n.applied_index = rd.snapshot->meta.index;
    n.applied_config = rd.snapshot->meta.config;
  }
  Must(n.disk.Append(rd.entries), "append");
  if (rd.hard_state) n.disk.SetHardState(*rd.hard_state);
  for (auto* list : {&rd.messages, &rd.messages_after_persist}) {
    for (Message& m : *list) queue_.push_back(std::move(m));
  }
  for (const Entry& e : rd.committed_entries) {
    assert(e.index == n.applied_index + 1);
    n.applied_index = e.index;
    if (e.type == EntryType::kNormal) n.applied.push_back(e.data);
    if (e.type == EntryType::kConfChange) {
      n.applied_config = DecodeConfChangeEntry(e.data)->result;
    }
  }
  for (const ReadState& rs : rd.read_states) n.read_states.push_back(rs);
  n.core->Advance();
}

void TestCluster::ProcessReadies() {
  for (auto& [id, node] : nodes_) {
    if (node->core && node->core->HasReady()) HandleReady(id);
  }
}

void TestCluster::DeliverQueued() {
  std::vector<Message> batch;
  batch.swap(queue_);
  for (Message& m : batch) {
    if (Blocked(m.from, m.to)) {
      if (m.type == MessageType::kSnapshot && nodes_.count(m.from) && nodes_.at(m.from)->core) {
        nodes_.at(m.from)->core->ReportSnapshot(m.to, false);
      }
      continue;
    }
    bool snapshot = m.type == MessageType::kSnapshot;
    NodeId from = m.from, to = m.to;
    Must(nodes_.at(to)->core->Step(std::move(m)), "step");
    if (snapshot && nodes_.at(from)->core) nodes_.at(from)->core->ReportSnapshot(to, true);
  }
}

void TestCluster::Stabilize() {
  for (int round = 0; round < 10000; ++round) {
    bool busy = false;
    for (auto& [id, node] : nodes_) {
      while (node->core && node->core->HasReady()) {
        HandleReady(id);
        busy = true;
      }
    }
    if (!queue_.empty()) {
      DeliverQueued();
      busy = true;
    }
    if (!busy) return;
  }
  std::fprintf(stderr, "TestCluster::Stabilize did not converge\n");
  std::abort();
}

void TestCluster::Tick(NodeId id, int ticks) {
  for (int i = 0; i < ticks; ++i) nodes_.at(id)->core->Tick();
}

void TestCluster::TickAll(int ticks) {
  for (int i = 0; i < ticks; ++i) {
    for (auto& [id, node] : nodes_) {
      if (node->core) node->core->Tick();
    }
  }
}

bool TestCluster::Elect(NodeId id) {
  Status s = core(id).Campaign();
  Stabilize();
  return s.ok() && core(id).role() == Role::kLeader;
}

NodeId TestCluster::Leader() const {
  NodeId leader = kNoNode;
  Term best = 0;
  for (const auto& [id, node] : nodes_) {
    if (node->core && node->core->role() == Role::kLeader && node->core->term() >= best) {
      best = node->core->term();
      leader = id;
    }
  }
  return leader;
}

void TestCluster::Cut(NodeId a, NodeId b) {
  cut_.insert({a, b});
  cut_.insert({b, a});
}

void TestCluster::Isolate(NodeId id) {
  for (const auto& [other, node] : nodes_) {
    if (other != id) Cut(id, other);
  }
}

void TestCluster::Heal() { cut_.clear(); }

void TestCluster::Crash(NodeId id) { nodes_.at(id)->core.reset(); }

void TestCluster::Restart(NodeId id) { StartCore(*nodes_.at(id)); }

void TestCluster::SnapshotAndCompact(NodeId id) {
  TestNode& n = *nodes_.at(id);
  Must(n.disk.CreateSnapshot(n.applied_index, n.applied_config, EncodeStrings(n.applied)),
       "create snapshot");
  Must(n.disk.Compact(n.applied_index), "compact");
}

Result<EntryId> TestCluster::Propose(NodeId id, const std::string& data) {
  Result<EntryId> r = core(id).Propose(data);
  Stabilize();
  return r;
}

}  // namespace curve::raft::testing
