#pragma once

// Simulator: a seeded, deterministic simulation of one raft group driven through RaftCore.
//
// Every step picks one event with a private generator: deliver a random in-flight message (so
// messages are reordered; some are lost or duplicated), run one node's Ready, tick every live
// node (one global clock: leases assume bounded clock drift), let a client invoke a register
// operation, or inject a fault (crash, restart, partition, heal), take a snapshot and compact,
// change membership, transfer leadership or force a campaign. A crash keeps only the node's
// MemoryLog "disk", i.e. exactly what Readys asked to persist and the driver persisted; a crash
// may strike between sending a Ready's early messages and persisting it.
//
// After every step the safety properties are checked:
//   - at most one leader per term;
//   - Log Matching: two entries with the same index and term carry the same data;
//   - committed entries never change: a global committed log is built from every node's commit
//     index and applied entries, and every node must agree with it;
//   - Leader Completeness: a new leader holds every committed entry;
//   - state machine safety: every replica applies the same sequence (a hash chain per index,
//     checked on apply and on restore from snapshots).
// At the end the faults stop, everything heals and restarts, and the group must elect a leader
// whose members all apply a final entry (liveness). The clients' history of reads, writes and
// compare-and-sets is then available for the linearizability checker.
//
// Same options, same seed: same run, step for step.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "raft/core/memory_log.h"
#include "raft/core/raft_core.h"
#include "raft/core/random.h"
#include "raft/core/testing/linearizability.h"
#include "raft/core/testing/register_machine.h"

namespace curve::raft::testing {

struct SimOptions {
  uint64_t seed = 1;
  int members = 3;
  int steps = 10000;
  ReadMode read_mode = ReadMode::kReadIndex;
  int clients = 4;
  // Per-mille weight of a client invocation among the step's events.
  int client_weight = 150;
  // Short timeouts give many elections per run; leases last election_tick - 1 ticks.
  int election_tick = 5;
  bool faults = true;              // crashes, partitions, loss, duplication
  bool membership_changes = true;  // add, remove (a replace is an add then a remove)
  bool snapshots = true;
  // Weight (per 10,000) of background proposals on any node that believes it leads.
  int noise_weight = 300;
  // Ticks the final, fault-free phase may take to converge.
  int liveness_ticks = 600;

  // Negative controls: deliberately broken drivers the checks must catch.
  // Reads are answered from the contacted node's state machine, without ReadIndex.
  bool unsafe_local_reads = false;
  // Every message leaves before the Ready is persisted (and crashes in between are frequent).
  bool unsafe_send_before_persist = false;
};

struct SimStats {
  uint64_t max_term = 0;
  uint64_t leaders_elected = 0;
  uint64_t committed_entries = 0;
  uint64_t conf_changes_committed = 0;
  uint64_t crashes = 0;
  uint64_t crashes_mid_ready = 0;
  uint64_t partitions = 0;
  uint64_t messages_delivered = 0;
  uint64_t messages_dropped = 0;
  uint64_t messages_duplicated = 0;
  uint64_t snapshots_taken = 0;
  uint64_t snapshots_installed = 0;
  uint64_t transfers = 0;
  uint64_t ops_completed = 0;
  uint64_t reads_completed = 0;
  uint64_t ops_unknown = 0;
  uint64_t liveness_ticks = 0;
};

class Simulator {
 public:
  explicit Simulator(const SimOptions& options);
  ~Simulator();

  // Runs the scenario. A violated property returns Internal with a message that starts
  // "seed=<seed> members=<n> step=<step>:".
  Status Run();

  const SimStats& stats() const { return stats_; }
  // The clients' operations (after Run). Failed ones are removed. An operation whose client
  // missed the answer (its node crashed, or a snapshot covered it) is resolved from the
  // committed log: dropped if never committed, else given the result it had and, as completion
  // time, the moment it was first known committed (when the group could have answered).
  const std::vector<RegisterOperation>& history() const { return resolved_history_; }
  std::string StatsLine() const;

 private:
  struct Envelope {
    Message message;
    uint64_t sender_incarnation = 0;
    bool original = true;  // duplicates do not report snapshot outcomes
  };
  struct PendingWrite {
    int client = 0;
    size_t op = 0;  // index into history_
    EntryId id;
  };
  struct PendingRead {
    int client = 0;
    size_t op = 0;
    std::optional<Index> index;  // set once the ReadState arrived
  };
  struct Node {
    NodeId id = kNoNode;
    MemoryLog disk;
    std::unique_ptr<RaftCore> core;  // null while down
    std::optional<Ready> writing;    // a Ready whose disk write is in flight...
    uint64_t write_done_step = 0;    // ...until this step
    std::optional<RegisterMachine> machine;
    uint64_t incarnation = 0;
    Index recorded_commit = 0;  // commit index already folded into the global log
    Term checked_leader_term = 0;
    std::map<Index, PendingWrite> writes;
    std::map<uint64_t, PendingRead> reads;
  };
  struct ClientState {
    bool busy = false;
    uint64_t started_step = 0;
    NodeId node = kNoNode;
    size_t op = 0;
    NodeId cached_leader = kNoNode;
  };
  struct OpMeta {
    uint64_t op_id = 0;   // carried in the entry for writes and CASes
    bool failed = false;  // definitely did not take effect (or an abandoned read)
  };
  struct CommittedEntry {
    Term term = 0;
    EntryType type = EntryType::kNormal;
    std::string data;
    uint64_t chain = 0;
  };

  // simulator.cc: events, network, Readys.
  Status Step();
  Status DeliverOne();
  // Starts a Ready (sends its early messages; the disk write may stay in flight) or finishes
  // the one in flight (persist, late messages, apply, Advance).
  Status HandleReady(Node& n);
  Status FinishReady(Node& n);
  void Tick();
  // simulator_clients.cc.
  void ClientInvoke();
  void ExpireClients();
  void CompleteReads(Node& n);
  void FinishOp(int client, size_t op, bool failed);
  // simulator_faults.cc.
  void ApplyScheduledFaults();
  void CrashSoon(Node& n);
  void Crash(Node& n);
  Status Restart(Node& n);
  void Partition();
  void Isolate(NodeId id);
  void Heal();
  void TakeSnapshot();
  void ChangeMembership();
  void Transfer();
  void Noise();
  Node* AddNode(NodeId id, bool founding);
  Status StartCore(Node& n);
  Node* RandomLiveNode();
  Node* CurrentLeader();
  bool Blocked(NodeId from, NodeId to) const;
  uint64_t Uniform(uint64_t n) { return rng_.Uniform(n); }
  bool Chance(int per_mille) { return static_cast<int>(rng_.Uniform(1000)) < per_mille; }

  // simulator_checks.cc: properties.
  Status CheckStep();
  Status CheckLeaderCompleteness(Node& n);
  Status RecordCommitted(Node& n, Index commit);
  Status CheckAndRecordEntry(NodeId node, const Entry& e, const char* where);
  Status CheckPersistedEntries(NodeId node, const std::vector<Entry>& entries);
  Status CheckApply(Node& n, const Entry& e);
  Status CheckRestoredMachine(Node& n);
  Status RunLiveness();
  Status Quiesce();
  void ResolveHistory();
  Status Violation(const std::string& what) const;
  std::string DescribeNodes() const;

  SimOptions options_;
  SplitMix64 rng_;
  bool check_quorum_ = true;
  bool pre_vote_ = true;
  size_t inflight_window_ = 4;
  uint64_t bytes_per_message_ = 256;
  uint64_t step_ = 0;
  bool storm_ = true;  // toggled at phase_end_
  uint64_t phase_end_ = 0;
  bool faults_active_ = true;
  bool clients_active_ = true;
  std::map<NodeId, std::unique_ptr<Node>> nodes_;
  NodeId next_node_id_ = 0;
  std::vector<Envelope> network_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  std::map<NodeId, uint64_t> doomed_;  // leaders to crash or isolate at the given step
  std::set<NodeId> crash_in_ready_;    // crash inside the node's next Ready
  struct PowerLoss {
    uint64_t step = 0;
    uint64_t incarnation = 0;
  };
  std::map<NodeId, PowerLoss> power_loss_;  // crash while a disk write is in flight

  // Global knowledge for the checks.
  std::map<Term, NodeId> leader_of_term_;
  std::map<std::pair<Index, Term>, std::string> entry_at_;  // Log Matching
  std::vector<CommittedEntry> committed_;                   // index 0 is a sentinel
  struct FirstCommit {
    uint64_t clock = 0;
    bool cas_succeeded = false;
  };
  RegisterMachine reference_;                     // applies committed_ in order
  std::map<uint64_t, FirstCommit> first_commit_;  // by op id

  // Clients.
  uint64_t clock_ = 0;  // orders invocations and completions
  uint64_t next_read_id_ = 1;
  std::vector<ClientState> clients_;
  std::vector<RegisterOperation> history_;
  std::vector<OpMeta> op_meta_;
  std::vector<RegisterOperation> resolved_history_;

  SimStats stats_;
};

}  // namespace curve::raft::testing
