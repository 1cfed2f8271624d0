// Simulator: the safety properties checked after every step, the final liveness phase and the
// resolution of the clients' history.

#include <sstream>

#include "raft/core/testing/simulator.h"

namespace curve::raft::testing {

Status Simulator::Violation(const std::string& what) const {
  std::ostringstream os;
  os << "seed=" << options_.seed << " members=" << options_.members << " step=" << step_ << ": "
     << what << "\nnodes:\n"
     << DescribeNodes();
  return InternalError(os.str());
}

std::string Simulator::DescribeNodes() const {
  std::ostringstream os;
  for (const auto& [id, n] : nodes_) {
    os << "  node " << id;
    if (!n->core) {
      os << " down, disk last=" << n->disk.LastIndex() << "\n";
      continue;
    }
    NodeStatus s = n->core->GetStatus();
    os << " " << RoleName(s.role) << " term=" << s.term << " leader=" << s.leader
       << " commit=" << s.commit << " applied=" << n->machine->applied_index() << " log=["
       << s.first_index << "," << s.last_index << "] config=" << s.config << "\n";
  }
  return os.str();
}

Status Simulator::CheckStep() {
  for (auto& [id, n] : nodes_) {
    if (!n->core || n->core->role() != Role::kLeader) continue;
    Term term = n->core->term();
    auto [it, inserted] = leader_of_term_.emplace(term, id);
    if (!inserted && it->second != id) {
      return Violation("two leaders in term " + std::to_string(term) + ": nodes " +
                       std::to_string(it->second) + " and " + std::to_string(id));
    }
    if (inserted) {
      ++stats_.leaders_elected;
      if (storm_ && faults_active_ && options_.faults && Chance(400)) {
        // Some fail before replicating anything, some mid-way.
        doomed_[id] = step_ + 1 + (Chance(500) ? Uniform(5) : Uniform(60));
      }
    }
    stats_.max_term = std::max(stats_.max_term, term);
    if (term > n->checked_leader_term) {
      n->checked_leader_term = term;
      CURVE_RETURN_IF_ERROR(CheckLeaderCompleteness(*n));
    }
  }
  return Status::Ok();
}

Status Simulator::CheckLeaderCompleteness(Node& n) {
  Index last_committed = committed_.size() - 1;
  NodeStatus s = n.core->GetStatus();
  if (s.last_index < last_committed) {
    return Violation("leader " + std::to_string(n.id) + " of term " + std::to_string(s.term) +
                     " ends at " + std::to_string(s.last_index) + " but " +
                     std::to_string(last_committed) + " entries are committed");
  }
  Index from = std::max<Index>(s.first_index, 1);
  if (from > last_committed) return Status::Ok();
  Result<std::vector<Entry>> entries = n.core->LogEntries(from, last_committed + 1);
  if (!entries.ok()) return Violation("reading the leader's log: " + entries.status().ToString());
  for (const Entry& e : *entries) {
    const CommittedEntry& c = committed_[e.index];
    if (e.term != c.term || e.data != c.data) {
      return Violation("leader " + std::to_string(n.id) + " of term " + std::to_string(s.term) +
                       " holds (" + std::to_string(e.index) + ", term " + std::to_string(e.term) +
                       ") where (" + std::to_string(e.index) + ", term " + std::to_string(c.term) +
                       ") was committed");
    }
  }
  return Status::Ok();
}

Status Simulator::RecordCommitted(Node& n, Index commit) {
  Index from =
      std::max(std::min<Index>(n.recorded_commit + 1, committed_.size()), n.disk.FirstIndex());
  if (commit > n.disk.LastIndex()) {
    return Violation("node " + std::to_string(n.id) + " persisted commit " +
                     std::to_string(commit) + " beyond its log's end " +
                     std::to_string(n.disk.LastIndex()));
  }
  if (from <= commit) {
    Result<std::vector<Entry>> entries = n.disk.Entries(from, commit + 1, UINT64_MAX);
    if (!entries.ok())
      return Violation("reading committed entries: " + entries.status().ToString());
    for (const Entry& e : *entries) CURVE_RETURN_IF_ERROR(CheckAndRecordEntry(n.id, e, "commit"));
  }
  n.recorded_commit = std::max(n.recorded_commit, commit);
  return Status::Ok();
}

Status Simulator::CheckAndRecordEntry(NodeId node, const Entry& e, const char* where) {
  if (e.index < committed_.size()) {
    const CommittedEntry& c = committed_[e.index];
    if (c.term != e.term || c.type != e.type || c.data != e.data) {
      return Violation(std::string(where) + ": node " + std::to_string(node) + " has (" +
                       std::to_string(e.index) + ", term " + std::to_string(e.term) +
                       ") committed where (" + std::to_string(e.index) + ", term " +
                       std::to_string(c.term) + ") was committed before");
    }
    return Status::Ok();
  }
  if (e.index != committed_.size()) {
    return Violation(std::string(where) + ": node " + std::to_string(node) + " commits " +
                     std::to_string(e.index) + " but only " +
                     std::to_string(committed_.size() - 1) + " are known committed");
  }
  committed_.push_back(
      CommittedEntry{e.term, e.type, e.data, ChainHash(committed_.back().chain, e)});
  // The reference register follows the committed log: it gives the result and the moment at
  // which the group could have answered each operation.
  RegisterMachine::Applied applied = reference_.Apply(e);
  if (applied.op_id != 0) {
    first_commit_[applied.op_id] = FirstCommit{++clock_, applied.cas_succeeded};
  }
  if (e.type == EntryType::kConfChange) ++stats_.conf_changes_committed;
  return Status::Ok();
}

Status Simulator::CheckPersistedEntries(NodeId node, const std::vector<Entry>& entries) {
  for (const Entry& e : entries) {
    std::string payload = std::string(1, static_cast<char>(e.type)) + e.data;
    auto [it, inserted] = entry_at_.emplace(std::make_pair(e.index, e.term), payload);
    if (!inserted && it->second != payload) {
      return Violation("Log Matching: node " + std::to_string(node) +
                       " persists a different entry at (" + std::to_string(e.index) + ", term " +
                       std::to_string(e.term) + ")");
    }
  }
  return Status::Ok();
}

Status Simulator::CheckRestoredMachine(Node& n) {
  Index index = n.machine->applied_index();
  if (index >= committed_.size()) {
    return Violation("node " + std::to_string(n.id) + " restored a snapshot at " +
                     std::to_string(index) + " beyond the committed log");
  }
  if (n.machine->hash() != committed_[index].chain) {
    return Violation("node " + std::to_string(n.id) + " restored a snapshot at " +
                     std::to_string(index) + " whose state differs from the committed log");
  }
  return Status::Ok();
}

Status Simulator::Quiesce() {
  for (int i = 0; i < 200000; ++i) {
    bool busy = false;
    for (auto& [id, n] : nodes_) {
      while (n->core && (n->writing || n->core->HasReady())) {
        CURVE_RETURN_IF_ERROR(HandleReady(*n));
        busy = true;
      }
    }
    if (!network_.empty()) {
      CURVE_RETURN_IF_ERROR(DeliverOne());
      busy = true;
    }
    CURVE_RETURN_IF_ERROR(CheckStep());
    if (!busy) return Status::Ok();
  }
  return Violation("the group did not quiesce");
}

Status Simulator::RunLiveness() {
  faults_active_ = false;
  clients_active_ = false;
  cut_.clear();
  for (auto& [id, n] : nodes_) {
    if (!n->core) CURVE_RETURN_IF_ERROR(Restart(*n));
  }
  std::optional<EntryId> final_entry;
  for (int tick = 0; tick < options_.liveness_ticks; ++tick) {
    ++step_;
    Tick();
    CURVE_RETURN_IF_ERROR(Quiesce());
    Node* leader = CurrentLeader();
    if (leader == nullptr) continue;
    NodeStatus s = leader->core->GetStatus();
    if (!s.config.Contains(leader->id)) continue;
    if (!final_entry || final_entry->term != s.term) {
      Result<EntryId> id = leader->core->Propose(EncodeRegisterOp(RegisterOp{}));
      if (id.ok()) final_entry = *id;
      continue;
    }
    bool converged = committed_.size() > final_entry->index &&
                     committed_[final_entry->index].term == final_entry->term;
    for (NodeId voter : s.config.voters) {
      auto it = nodes_.find(voter);
      converged = converged && it != nodes_.end() && it->second->core &&
                  it->second->core->leader() == leader->id &&
                  it->second->machine->applied_index() >= final_entry->index;
    }
    if (converged) {
      stats_.liveness_ticks = tick + 1;
      ExpireClients();
      return Status::Ok();
    }
  }
  return Violation("liveness: no leader with all members caught up within " +
                   std::to_string(options_.liveness_ticks) + " ticks after healing");
}

void Simulator::ResolveHistory() {
  resolved_history_.clear();
  for (size_t i = 0; i < history_.size(); ++i) {
    if (op_meta_[i].failed) continue;
    const RegisterOperation& op = history_[i];
    RegisterOperation resolved = op;
    if (op.complete == RegisterOperation::kNever) {
      if (op.call == RegisterCall::kRead) continue;
      // The client missed the answer. Whether the operation took effect, with which result and
      // when the group could have answered is known from the committed log.
      auto it = first_commit_.find(op_meta_[i].op_id);
      if (it == first_commit_.end()) continue;
      resolved.complete = it->second.clock;
      if (op.call == RegisterCall::kCas) resolved.output = it->second.cas_succeeded ? "ok" : "fail";
      ++stats_.ops_unknown;
    }
    resolved_history_.push_back(std::move(resolved));
  }
}

}  // namespace curve::raft::testing
