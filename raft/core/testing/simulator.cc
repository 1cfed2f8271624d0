// Simulator: events (network, Readys, clock, clients, faults, snapshots, membership).

#include "raft/core/testing/simulator.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <sstream>

#include "raft/core/configuration.h"

namespace curve::raft::testing {

namespace {

constexpr size_t kMaxBacklog = 64;

// Identifies the run in progress if the core aborts on a broken invariant.
uint64_t g_seed = 0;
uint64_t g_step = 0;
int g_members = 0;
volatile sig_atomic_t g_running = 0;

void ReportAbort(int sig) {
  if (g_running) {
    char buf[256];
    int len = std::snprintf(buf, sizeof(buf),
                            "\n*** raft simulation aborted at seed=%llu members=%d step=%llu; "
                            "replay with RAFT_SIM_SEED=%llu RAFT_SIM_MEMBERS=%d\n",
                            static_cast<unsigned long long>(g_seed), g_members,
                            static_cast<unsigned long long>(g_step),
                            static_cast<unsigned long long>(g_seed), g_members);
    if (len > 0) {
      ssize_t ignored = write(STDERR_FILENO, buf, static_cast<size_t>(len));
      (void)ignored;
    }
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

Simulator::Simulator(const SimOptions& options)
    : options_(options), rng_(options.seed * 0x2545f4914f6cdd1dULL + 0x1234567) {
  clients_.resize(options_.clients);
  static constexpr size_t kWindows[] = {1, 2, 4, 64};
  static constexpr uint64_t kMessageBytes[] = {1, 1, 100, 256, 1 << 20};
  // ReadIndex needs neither check-quorum nor pre-vote, so runs cover every combination; leases
  // require check-quorum.
  check_quorum_ = options_.read_mode == ReadMode::kLeaseBased || Chance(500);
  pre_vote_ = Chance(750);
  inflight_window_ = kWindows[Uniform(4)];
  bytes_per_message_ = kMessageBytes[Uniform(5)];
  committed_.push_back(CommittedEntry{});  // index 0: the empty prefix
  for (int i = 1; i <= options_.members; ++i) AddNode(static_cast<NodeId>(i), /*founding=*/true);
  next_node_id_ = 100;
}

Simulator::~Simulator() = default;

Simulator::Node* Simulator::AddNode(NodeId id, bool founding) {
  auto node = std::make_unique<Node>();
  node->id = id;
  if (founding) {
    std::vector<NodeId> voters;
    for (int i = 1; i <= options_.members; ++i) voters.push_back(static_cast<NodeId>(i));
    node->disk = MemoryLog::Bootstrap(MakeConfiguration(voters));
  }
  Node* raw = node.get();
  nodes_[id] = std::move(node);
  Status s = StartCore(*raw);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::abort();
  }
  return raw;
}

Status Simulator::StartCore(Node& n) {
  RaftOptions o;
  o.id = n.id;
  o.random_seed = rng_.Next();
  o.read_mode = options_.read_mode;
  o.election_tick = options_.election_tick;
  o.check_quorum = check_quorum_;
  o.pre_vote = pre_vote_;
  o.heartbeat_tick = 1;
  o.lease_margin_ticks = 1;
  // Small windows and messages (varied per run) so pipelining limits, batching and appends
  // split across messages are all exercised.
  o.max_inflight_messages = inflight_window_;
  o.max_bytes_per_message = bytes_per_message_;
  // Backpressure, as a real driver has: proposals are refused while the uncommitted tail is long.
  o.max_uncommitted_bytes = 2048;
  Result<std::unique_ptr<RaftCore>> core = RaftCore::Create(o, &n.disk);
  if (!core.ok())
    return Violation("starting node " + std::to_string(n.id) + ": " + core.status().ToString());
  n.core = std::move(core).value();
  ++n.incarnation;
  n.recorded_commit = 0;
  Result<Snapshot> snap = n.disk.LatestSnapshot();
  n.machine = RegisterMachine::Decode(snap->meta, snap->data);
  if (!n.machine) return Violation("undecodable snapshot on node " + std::to_string(n.id));
  return CheckRestoredMachine(n);
}

Status Simulator::Run() {
  g_seed = options_.seed;
  g_members = options_.members;
  g_running = 1;
  std::signal(SIGABRT, ReportAbort);
  Status result = [&]() -> Status {
    for (step_ = 0; step_ < static_cast<uint64_t>(options_.steps); ++step_) {
      g_step = step_;
      CURVE_RETURN_IF_ERROR(Step());
      CURVE_RETURN_IF_ERROR(CheckStep());
    }
    return RunLiveness();
  }();
  g_running = 0;
  CURVE_RETURN_IF_ERROR(result);
  ResolveHistory();
  stats_.committed_entries = committed_.size() - 1;
  return Status::Ok();
}

Status Simulator::Step() {
  ExpireClients();
  // Alternate calm phases (only loss, duplication and reordering; partitions heal and crashed
  // nodes come back) with stormy ones, so runs see both progress and turmoil.
  if (step_ >= phase_end_) {
    storm_ = !storm_;
    phase_end_ = step_ + 500 + Uniform(2500);
  }
  bool storm = storm_ && faults_active_ && options_.faults;
  ApplyScheduledFaults();
  enum Event {
    kDeliver,
    kReady,
    kTick,
    kClient,
    kCrash,
    kRestart,
    kPartition,
    kIsolate,
    kHeal,
    kCampaign,
    kSnapshot,
    kMembership,
    kTransfer,
    kNoise
  };
  int down = 0;
  for (const auto& [id, n] : nodes_) down += n->core ? 0 : 1;
  // Weights per 10,000. One tick every ~40 steps keeps the network ahead of the heartbeats;
  // faults last a few election timeouts (a heal every ~25 ticks, a restart every ~12).
  std::vector<std::pair<Event, int>> table = {
      {kDeliver, 4500},
      {kReady, 3000},
      // Time slows down while the network is congested, as a real network outpaces timeouts.
      {kTick, static_cast<int>(250 * kMaxBacklog / std::max(kMaxBacklog, network_.size()))},
      {kClient, clients_active_ ? options_.client_weight * 10 : 0},
      {kTransfer, 20},
      {kNoise, options_.noise_weight},
  };
  if (storm) {
    // Forced campaigns stand for timers firing early (clock skew).
    table.insert(table.end(), {{kCrash, 12}, {kPartition, 12}, {kIsolate, 12}, {kCampaign, 30}});
  }
  if (faults_active_ && options_.faults) {
    table.insert(table.end(), {{kRestart, 25 * down}, {kHeal, cut_.empty() ? 0 : 10}});
  }
  if (options_.snapshots) table.push_back({kSnapshot, 50});
  if (options_.membership_changes) table.push_back({kMembership, 30});
  int total = 0;
  for (const auto& [e, w] : table) total += w;
  int pick = static_cast<int>(Uniform(static_cast<uint64_t>(total)));
  Event event = kDeliver;
  for (const auto& [e, w] : table) {
    if (pick < w) {
      event = e;
      break;
    }
    pick -= w;
  }

  switch (event) {
    case kDeliver:
      return DeliverOne();
    case kReady: {
      std::vector<Node*> ready;
      for (auto& [id, n] : nodes_) {
        bool write_done = n->writing && n->write_done_step <= step_;
        if (n->core && (write_done || (!n->writing && n->core->HasReady()))) {
          ready.push_back(n.get());
        }
      }
      if (ready.empty()) return DeliverOne();
      return HandleReady(*ready[Uniform(ready.size())]);
    }
    case kTick:
      Tick();
      return Status::Ok();
    case kClient:
      ClientInvoke();
      return Status::Ok();
    case kCrash:
      if (Node* n = RandomLiveNode()) CrashSoon(*n);
      return Status::Ok();
    case kRestart: {
      std::vector<Node*> down;
      for (auto& [id, n] : nodes_) {
        if (!n->core) down.push_back(n.get());
      }
      if (down.empty()) return Status::Ok();
      return Restart(*down[Uniform(down.size())]);
    }
    case kPartition:
      Partition();
      return Status::Ok();
    case kIsolate:
      if (Node* n = RandomLiveNode()) Isolate(n->id);
      return Status::Ok();
    case kHeal:
      Heal();
      return Status::Ok();
    case kCampaign:
      if (Node* n = RandomLiveNode()) n->core->Campaign().IgnoreError();
      return Status::Ok();
    case kSnapshot:
      TakeSnapshot();
      return Status::Ok();
    case kMembership:
      ChangeMembership();
      return Status::Ok();
    case kTransfer:
      Transfer();
      return Status::Ok();
    case kNoise:
      Noise();
      return Status::Ok();
  }
  return Status::Ok();
}

bool Simulator::Blocked(NodeId from, NodeId to) const { return cut_.count({from, to}) > 0; }

Status Simulator::DeliverOne() {
  if (network_.empty()) return Status::Ok();
  size_t i = Uniform(network_.size());
  Envelope env = std::move(network_[i]);
  network_[i] = std::move(network_.back());
  network_.pop_back();

  const Message& m = env.message;
  auto to_it = nodes_.find(m.to);
  auto from_it = nodes_.find(m.from);
  Node* to = to_it == nodes_.end() ? nullptr : to_it->second.get();
  Node* from = from_it == nodes_.end() ? nullptr : from_it->second.get();
  bool sender_alive =
      from != nullptr && from->core != nullptr && from->incarnation == env.sender_incarnation;
  bool partitioned = Blocked(m.from, m.to);
  bool lost = faults_active_ && options_.faults && Chance(20);
  if (to == nullptr || to->core == nullptr || partitioned || lost) {
    ++stats_.messages_dropped;
    if (sender_alive && env.original && m.type == MessageType::kSnapshot) {
      from->core->ReportSnapshot(m.to, false);  // the transport saw the transfer fail
    }
    if (sender_alive && partitioned && Chance(500)) from->core->ReportUnreachable(m.to);
    return Status::Ok();
  }
  if (faults_active_ && options_.faults && Chance(20)) {
    Envelope copy = env;
    copy.original = false;
    network_.push_back(std::move(copy));
    ++stats_.messages_duplicated;
  }
  bool report_snapshot = env.original && m.type == MessageType::kSnapshot && sender_alive;
  NodeId from_id = m.from;
  NodeId to_id = m.to;
  Status s = to->core->Step(std::move(env.message));
  if (!s.ok())
    return Violation("node " + std::to_string(to_id) + " refused a message: " + s.ToString());
  ++stats_.messages_delivered;
  if (report_snapshot) nodes_.at(from_id)->core->ReportSnapshot(to_id, true);
  return Status::Ok();
}

Status Simulator::HandleReady(Node& n) {
  if (n.writing) return FinishReady(n);
  n.writing = n.core->GetReady();
  Ready& rd = *n.writing;
  for (Message& m : rd.messages) network_.push_back(Envelope{std::move(m), n.incarnation, true});
  rd.messages.clear();
  if (options_.unsafe_send_before_persist) {
    for (Message& m : rd.messages_after_persist) {
      network_.push_back(Envelope{std::move(m), n.incarnation, true});
    }
    rd.messages_after_persist.clear();
  }
  int crash_per_mille = options_.unsafe_send_before_persist ? 50 : 4;
  bool crash_now = crash_in_ready_.erase(n.id) > 0 && faults_active_;
  if (crash_now || (storm_ && faults_active_ && options_.faults && Chance(crash_per_mille))) {
    // Power fails after the early messages left, before anything reached the disk.
    ++stats_.crashes_mid_ready;
    Crash(n);
    return Status::Ok();
  }
  // Often the disk write stays in flight for a while (fsync latency): the node keeps
  // receiving messages, ticks and proposals meanwhile (allowed between GetReady and Advance),
  // and during storms it sometimes loses power before the write completes.
  if (faults_active_ && Chance(300)) {
    uint64_t latency = 1 + Uniform(60);
    n.write_done_step = step_ + latency;
    if (storm_ && options_.faults && Chance(20)) {
      power_loss_[n.id] = PowerLoss{step_ + Uniform(latency), n.incarnation};
    }
    return Status::Ok();
  }
  return FinishReady(n);
}

Status Simulator::FinishReady(Node& n) {
  Ready rd = std::move(*n.writing);
  n.writing.reset();
  if (rd.snapshot) {
    Status s = n.disk.ApplySnapshot(*rd.snapshot);
    if (!s.ok()) return Violation("persisting a snapshot: " + s.ToString());
    n.machine = RegisterMachine::Decode(rd.snapshot->meta, rd.snapshot->data);
    if (!n.machine) return Violation("undecodable snapshot received by " + std::to_string(n.id));
    CURVE_RETURN_IF_ERROR(CheckRestoredMachine(n));
    ++stats_.snapshots_installed;
    // Proposals the snapshot covers were not applied here one by one: outcome unknown.
    for (auto it = n.writes.begin();
         it != n.writes.end() && it->first <= n.machine->applied_index();) {
      FinishOp(it->second.client, it->second.op, /*failed=*/false);
      it = n.writes.erase(it);
    }
  }
  CURVE_RETURN_IF_ERROR(CheckPersistedEntries(n.id, rd.entries));
  Status s = n.disk.Append(rd.entries);
  if (!s.ok())
    return Violation("persisting entries on " + std::to_string(n.id) + ": " + s.ToString());
  if (rd.hard_state) {
    // Targeted chaos: leaders sometimes fail right after advancing their commit index, when
    // followers may not know of it yet.
    if (storm_ && faults_active_ && options_.faults && n.core->role() == Role::kLeader &&
        rd.hard_state->commit > n.disk.InitialHardState().commit && Chance(30) &&
        !doomed_.count(n.id)) {
      doomed_[n.id] = step_ + 1 + Uniform(20);
    }
    n.disk.SetHardState(*rd.hard_state);
    CURVE_RETURN_IF_ERROR(RecordCommitted(n, rd.hard_state->commit));
  }
  for (Message& m : rd.messages_after_persist) {
    network_.push_back(Envelope{std::move(m), n.incarnation, true});
  }
  for (const Entry& e : rd.committed_entries) {
    if (e.index != n.machine->applied_index() + 1) {
      return Violation("node " + std::to_string(n.id) + " applies " + std::to_string(e.index) +
                       " after " + std::to_string(n.machine->applied_index()));
    }
    CURVE_RETURN_IF_ERROR(CheckAndRecordEntry(n.id, e, "apply"));
    RegisterMachine::Applied applied = n.machine->Apply(e);
    if (n.machine->hash() != committed_[e.index].chain) {
      return Violation("state machine of node " + std::to_string(n.id) + " diverged at " +
                       std::to_string(e.index));
    }
    auto it = n.writes.find(e.index);
    if (it == n.writes.end()) continue;
    PendingWrite w = it->second;
    n.writes.erase(it);
    if (e.term != w.id.term) {
      FinishOp(w.client, w.op, /*failed=*/true);  // another entry took the index
      continue;
    }
    if (applied.op_id != op_meta_[w.op].op_id) {
      return Violation("entry " + std::to_string(e.index) + " carries op " +
                       std::to_string(applied.op_id) + ", proposed " +
                       std::to_string(op_meta_[w.op].op_id));
    }
    RegisterOperation& op = history_[w.op];
    if (op.call == RegisterCall::kCas) op.output = applied.cas_succeeded ? "ok" : "fail";
    op.complete = ++clock_;
    FinishOp(w.client, w.op, /*failed=*/false);
  }
  for (const ReadState& rs : rd.read_states) {
    auto it = n.reads.find(rs.request_id);
    if (it != n.reads.end()) it->second.index = rs.index;
  }
  CompleteReads(n);
  n.core->Advance();
  return Status::Ok();
}

void Simulator::Tick() {
  for (auto& [id, n] : nodes_) {
    if (n->core) n->core->Tick();
  }
}

Simulator::Node* Simulator::RandomLiveNode() {
  std::vector<Node*> live;
  for (auto& [id, n] : nodes_) {
    if (n->core) live.push_back(n.get());
  }
  return live.empty() ? nullptr : live[Uniform(live.size())];
}

Simulator::Node* Simulator::CurrentLeader() {
  Node* leader = nullptr;
  for (auto& [id, n] : nodes_) {
    if (n->core && n->core->role() == Role::kLeader &&
        (leader == nullptr || n->core->term() > leader->core->term())) {
      leader = n.get();
    }
  }
  return leader;
}

std::string Simulator::StatsLine() const {
  std::ostringstream os;
  os << "committed=" << stats_.committed_entries << " max_term=" << stats_.max_term
     << " leaders=" << stats_.leaders_elected << " conf_changes=" << stats_.conf_changes_committed
     << " crashes=" << stats_.crashes << " (mid-ready " << stats_.crashes_mid_ready << ")"
     << " partitions=" << stats_.partitions << " delivered=" << stats_.messages_delivered
     << " dropped=" << stats_.messages_dropped << " duplicated=" << stats_.messages_duplicated
     << " snapshots=" << stats_.snapshots_taken << "/" << stats_.snapshots_installed
     << " transfers=" << stats_.transfers << " ops=" << stats_.ops_completed
     << " reads=" << stats_.reads_completed << " unknown=" << stats_.ops_unknown
     << " liveness_ticks=" << stats_.liveness_ticks << " check_quorum=" << check_quorum_
     << " pre_vote=" << pre_vote_ << " window=" << inflight_window_
     << " message_bytes=" << bytes_per_message_;
  return os.str();
}

}  // namespace curve::raft::testing
