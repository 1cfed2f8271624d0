// Simulator: faults (crashes, partitions), snapshots, membership changes, transfers and
// background load.

#include <algorithm>

#include "raft/core/configuration.h"
#include "raft/core/testing/simulator.h"

namespace curve::raft::testing {

void Simulator::ApplyScheduledFaults() {
  for (auto it = power_loss_.begin(); it != power_loss_.end();) {
    if (it->second.step > step_) {
      ++it;
      continue;
    }
    Node& n = *nodes_.at(it->first);
    if (n.core && n.incarnation == it->second.incarnation && faults_active_) {
      ++stats_.crashes_mid_ready;
      Crash(n);
    }
    it = power_loss_.erase(it);
  }
  // Targeted chaos: a leader doomed at its election (or when it advanced its commit index) fails
  // a few steps later, mid-replication.
  for (auto it = doomed_.begin(); it != doomed_.end();) {
    if (it->second > step_) {
      ++it;
      continue;
    }
    Node& n = *nodes_.at(it->first);
    if (n.core && n.core->role() == Role::kLeader && faults_active_) {
      if (Chance(500)) {
        crash_in_ready_.insert(n.id);
      } else {
        Isolate(n.id);
      }
    }
    it = doomed_.erase(it);
  }
}

void Simulator::CrashSoon(Node& n) {
  // Half the crashes strike inside the node's next Ready, after its early messages left and
  // before its disk write: the moment that tests what may be sent before persisting.
  if (Chance(500)) {
    crash_in_ready_.insert(n.id);
  } else {
    Crash(n);
  }
}

void Simulator::Isolate(NodeId id) {
  for (const auto& [other, unused] : nodes_) {
    if (other != id) {
      cut_.insert({id, other});
      cut_.insert({other, id});
    }
  }
  ++stats_.partitions;
}

void Simulator::Heal() {
  // Partitions mostly heal piecemeal: one node reconnects to everyone.
  if (cut_.empty()) return;
  if (Chance(300)) {
    cut_.clear();
    return;
  }
  std::vector<NodeId> cut_nodes;
  for (const auto& [a, b] : cut_) cut_nodes.push_back(a);
  NodeId node = cut_nodes[Uniform(cut_nodes.size())];
  for (auto it = cut_.begin(); it != cut_.end();) {
    it = (it->first == node || it->second == node) ? cut_.erase(it) : std::next(it);
  }
}

void Simulator::Noise() {
  // Background load on any node that believes it leads, stale leaders included, so logs diverge
  // across terms.
  std::vector<Node*> leaders;
  for (auto& [id, n] : nodes_) {
    if (n->core && n->core->role() == Role::kLeader) leaders.push_back(n.get());
  }
  if (leaders.empty()) return;
  RegisterOp nop{0, RegisterOpKind::kNop, "n" + std::to_string(step_), ""};
  leaders[Uniform(leaders.size())]->core->Propose(EncodeRegisterOp(nop)).status().IgnoreError();
}

void Simulator::Crash(Node& n) {
  if (!n.core) return;
  ++stats_.crashes;
  n.core.reset();
  n.writing.reset();  // the write in flight is lost
  n.machine.reset();
  for (auto& [index, w] : n.writes) FinishOp(w.client, w.op, /*failed=*/false);
  for (auto& [id, r] : n.reads) FinishOp(r.client, r.op, /*failed=*/true);
  n.writes.clear();
  n.reads.clear();
}

Status Simulator::Restart(Node& n) { return StartCore(n); }

void Simulator::Partition() {
  std::vector<NodeId> ids;
  for (const auto& [id, n] : nodes_) ids.push_back(id);
  std::vector<int> side(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) side[i] = static_cast<int>(Uniform(2));
  cut_.clear();
  for (size_t i = 0; i < ids.size(); ++i) {
    for (size_t j = 0; j < ids.size(); ++j) {
      if (side[i] != side[j]) cut_.insert({ids[i], ids[j]});
    }
  }
  ++stats_.partitions;
}

void Simulator::TakeSnapshot() {
  Node* n = RandomLiveNode();
  if (n == nullptr) return;
  Index applied = n->machine->applied_index();
  if (applied <= n->disk.LatestSnapshotMeta().index) return;
  Status s = n->disk.CreateSnapshot(applied, n->machine->config(), n->machine->Encode());
  if (s.ok()) {
    Index keep = Uniform(4);
    Index compact = applied > keep ? applied - keep : 0;
    if (compact + 1 > n->disk.FirstIndex()) s = n->disk.Compact(compact);
  }
  if (!s.ok()) {
    std::fprintf(stderr, "snapshot on node %llu: %s\n", static_cast<unsigned long long>(n->id),
                 s.ToString().c_str());
    std::abort();
  }
  ++stats_.snapshots_taken;
}

void Simulator::ChangeMembership() {
  Node* leader = CurrentLeader();
  if (leader == nullptr) return;
  Configuration config = leader->core->GetStatus().config;
  int size = static_cast<int>(config.voters.size());
  int low = std::max(2, options_.members - 1);
  int high = options_.members + 1;
  bool add = size < high && (size <= low || Chance(500));
  if (add) {
    if (nodes_.size() >= static_cast<size_t>(options_.members + 8)) return;
    NodeId id = next_node_id_++;
    AddNode(id, /*founding=*/false);
    if (!leader->core->ProposeConfChange(ConfChange{ConfChangeType::kAddVoter, id}).ok()) {
      nodes_.erase(id);  // never reachable: nobody knows it
    }
  } else if (size > low) {
    NodeId victim = config.voters[Uniform(config.voters.size())];
    leader->core->ProposeConfChange(ConfChange{ConfChangeType::kRemoveVoter, victim})
        .status()
        .IgnoreError();
  }
}

void Simulator::Transfer() {
  Node* leader = CurrentLeader();
  if (leader == nullptr) return;
  Configuration config = leader->core->GetStatus().config;
  if (config.voters.size() < 2) return;
  NodeId target = config.voters[Uniform(config.voters.size())];
  if (target == leader->id) return;
  if (leader->core->TransferLeader(target).ok()) ++stats_.transfers;
}

}  // namespace curve::raft::testing
