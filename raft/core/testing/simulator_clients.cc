// Simulator: the clients of the replicated register (invoke, complete, give up).

#include <algorithm>

#include "raft/core/configuration.h"
#include "raft/core/testing/simulator.h"

namespace curve::raft::testing {

namespace {

constexpr uint64_t kClientTimeoutSteps = 400;  // about ten ticks

}  // namespace

void Simulator::CompleteReads(Node& n) {
  for (auto it = n.reads.begin(); it != n.reads.end();) {
    if (!it->second.index || *it->second.index > n.machine->applied_index()) {
      ++it;
      continue;
    }
    RegisterOperation& op = history_[it->second.op];
    op.output = n.machine->value();
    op.complete = ++clock_;
    ++stats_.reads_completed;
    FinishOp(it->second.client, it->second.op, /*failed=*/false);
    it = n.reads.erase(it);
  }
}

void Simulator::FinishOp(int client, size_t op, bool failed) {
  op_meta_[op].failed = failed;
  if (!failed && history_[op].complete != RegisterOperation::kNever) ++stats_.ops_completed;
  ClientState& c = clients_[client];
  if (c.busy && c.op == op) c.busy = false;
}

void Simulator::ClientInvoke() {
  std::vector<int> idle;
  for (int c = 0; c < static_cast<int>(clients_.size()); ++c) {
    if (!clients_[c].busy) idle.push_back(c);
  }
  if (idle.empty()) return;
  int client = idle[Uniform(idle.size())];
  // Like a real client, stick to the leader this client last found (it may have been deposed
  // behind a partition without knowing) until it fails or times out; sometimes try anyone.
  ClientState& c = clients_[client];
  auto cached = nodes_.find(c.cached_leader);
  Node* target = cached != nodes_.end() && cached->second->core ? cached->second.get() : nullptr;
  if (target == nullptr) {
    target = CurrentLeader();
    c.cached_leader = target == nullptr ? kNoNode : target->id;
  }
  if (target == nullptr || Chance(50)) target = RandomLiveNode();
  if (target == nullptr) return;

  size_t op_index = history_.size();
  RegisterOperation op;
  op.client = client;
  op.invoke = ++clock_;
  uint64_t kind = Uniform(10);
  op.call = kind < 4 ? RegisterCall::kRead : kind < 8 ? RegisterCall::kWrite : RegisterCall::kCas;
  std::string fresh = "v" + std::to_string(op_index + 1);
  if (op.call == RegisterCall::kWrite) op.arg1 = fresh;
  if (op.call == RegisterCall::kCas) {
    op.arg1 = target->machine->value();  // what the client last saw (possibly stale)
    op.arg2 = fresh;
  }
  history_.push_back(op);
  op_meta_.push_back(OpMeta{op_index + 1, false});

  if (op.call == RegisterCall::kRead && options_.unsafe_local_reads) {
    history_[op_index].output = target->machine->value();
    history_[op_index].complete = ++clock_;
    ++stats_.reads_completed;
    return;
  }
  if (op.call == RegisterCall::kRead) {
    uint64_t read_id = next_read_id_++;
    if (!target->core->ReadIndex(read_id).ok()) {
      op_meta_[op_index].failed = true;
      c.cached_leader = kNoNode;  // redirected: look for the leader next time
      return;
    }
    target->reads[read_id] = PendingRead{client, op_index, std::nullopt};
  } else {
    RegisterOp rop{op_index + 1,
                   op.call == RegisterCall::kWrite ? RegisterOpKind::kWrite : RegisterOpKind::kCas,
                   op.arg1, op.arg2};
    Result<EntryId> id = target->core->Propose(EncodeRegisterOp(rop));
    if (!id.ok()) {
      op_meta_[op_index].failed = true;
      c.cached_leader = kNoNode;
      return;
    }
    auto existing = target->writes.find(id->index);
    if (existing != target->writes.end()) {
      // An older proposal of this node at the same index was truncated here, though another
      // node may still commit it: its outcome is unknown.
      FinishOp(existing->second.client, existing->second.op, /*failed=*/false);
      target->writes.erase(existing);
    }
    target->writes[id->index] = PendingWrite{client, op_index, *id};
  }
  c.busy = true;
  c.started_step = step_;
  c.node = target->id;
  c.op = op_index;
}

void Simulator::ExpireClients() {
  for (int client = 0; client < static_cast<int>(clients_.size()); ++client) {
    ClientState& c = clients_[client];
    if (!c.busy || (clients_active_ && step_ - c.started_step < kClientTimeoutSteps)) continue;
    // The client gives up: a read is abandoned; a write's outcome is resolved at the end from
    // the committed log (see history()).
    Node& n = *nodes_.at(c.node);
    for (auto it = n.writes.begin(); it != n.writes.end(); ++it) {
      if (it->second.op == c.op) {
        n.writes.erase(it);
        break;
      }
    }
    for (auto it = n.reads.begin(); it != n.reads.end(); ++it) {
      if (it->second.op == c.op) {
        n.reads.erase(it);
        break;
      }
    }
    FinishOp(client, c.op, /*failed=*/history_[c.op].call == RegisterCall::kRead);
    c.cached_leader = kNoNode;
  }
}

}  // namespace curve::raft::testing
