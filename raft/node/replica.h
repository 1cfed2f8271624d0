#pragma once

// Replica: one raft group's runtime on this node: its core, its log in the shared LogStore, the
// application's state machine, and the requests waiting for an outcome.
//
// A Driver owns a set of replicas and runs, for all of them together, the cycle ready.h
// prescribes (driver.h): TakeReady on each; send the messages allowed before persisting; one
// LogStore write for every replica's AddWrites (one group commit); send the rest; Apply (which
// applies committed entries, completes requests and Advances the core).
//
// Durability rule: entries, snapshots and term/vote changes are written and synced before the
// messages that depend on them leave. A change of the commit index alone is not synced by itself:
// it rides along with the replica's next synced write (raft treats the commit index as volatile;
// after a crash the node relearns it from the leader), which saves one fdatasync per commit.
//
// Thread-safety: none; every method runs on the owning driver's thread.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "raft/core/raft_core.h"
#include "raft/node/errors.h"
#include "raft/node/group_status.h"
#include "raft/node/node_options.h"
#include "raft/node/state_machine.h"
#include "raft/storage/log_store.h"
#include "raft/transport/transport.h"

namespace curve::raft {

using IndexCallback = std::function<void(Result<Index>)>;
// Messages of one driver pass, per destination node.
using Outbox = std::unordered_map<NodeId, std::vector<GroupMessage>>;

// What every replica of a process shares.
struct ReplicaEnv {
  NodeId self = kNoNode;
  std::string self_address;
  Transport* transport = nullptr;
  LogStore* store = nullptr;
};

class Replica {
 public:
  using Clock = std::chrono::steady_clock;

  Replica(const GroupOptions& options, const ReplicaEnv& env);
  ~Replica();

  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // Bootstraps a founding member's empty log, loads the latest snapshot into the state machine
  // and creates the core. Must succeed before anything else is called.
  Status Open();

  GroupId id() const { return options_.id; }
  StateMachine* state_machine() const { return options_.state_machine; }

  // ---- Requests; `done` runs on the driver thread, possibly before the call returns. ----
  void Propose(std::string data, IndexCallback done);
  void ReadBarrier(IndexCallback done);
  void ChangePeer(const ConfChange& change, IndexCallback done);
  Status TransferLeader(NodeId target);
  Status Campaign();
  GroupStatus GetStatus() const;

  // ---- Inputs from peers and the clock. ----
  void Step(Message message);
  // `clock`: the driver's tick count, shared by its replicas so that their heartbeats align
  // (RaftCore::Tick(uint64_t)).
  void Tick(Clock::time_point now, uint64_t clock);
  void ReportUnreachable(NodeId peer) { core_->ReportUnreachable(peer); }
  void ReportSnapshot(NodeId peer, bool success) { core_->ReportSnapshot(peer, success); }

  // ---- The Ready cycle. ----
  // Takes the core's next Ready; false when there is none.
  bool TakeReady();
  // Moves the Ready's messages that may leave now (before persisting) or only after it.
  void CollectMessages(bool after_persist, Outbox* out);
  // Adds what must be durable to `batch`; returns whether a synced write is needed.
  bool AddWrites(WriteBatch* batch);
  // After the batch is durable and messages sent: installs a received snapshot, applies
  // committed entries, serves reads, completes requests, advances the core, and takes a
  // snapshot of its own when due.
  void Apply();
  bool HasReady() const { return core_->HasReady(); }
  // The driver's mark: already in its list of replicas to look at.
  bool touched = false;

  // Fails every waiting request with `status` (shutdown, removal). Adds the commit index not
  // yet written to `batch` (so a clean shutdown keeps it).
  void Close(const Status& status, WriteBatch* batch);

 private:
  struct Pending {
    Index index = 0;
    Term term = 0;
    IndexCallback done;
    Clock::time_point deadline;
  };
  struct PendingRead {
    IndexCallback done;
    Clock::time_point deadline;
  };

  Status MapError(const Status& status) const;
  LeaderHint Hint() const;
  void Track(EntryId id, IndexCallback done);
  // Completes the proposals at indexes <= `index`, the one at `index` by comparing terms.
  void Resolve(Index index, Term term);
  void ApplyEntry(const Entry& entry);
  void OnSoftState(const SoftState& soft);
  void ReleaseReads();
  void ExpireRequests(Clock::time_point now);
  void MaybeSnapshot();

  const GroupOptions options_;
  const ReplicaEnv env_;
  std::shared_ptr<GroupLog> log_;
  std::unique_ptr<RaftCore> core_;

  Ready ready_;
  bool ready_taken_ = false;
  HardState written_hard_state_;  // the hard state last handed to the log
  HardState latest_hard_state_;   // the newest one the core reported

  Index applied_ = 0;
  Term applied_term_ = 0;
  Configuration applied_config_;
  Index applied_config_index_ = 0;  // the entry (or snapshot) applied_config_ comes from
  Index skip_apply_until_ = 0;      // the application already reflects entries up to here
  Index last_snapshot_index_ = 0;

  uint64_t next_request_ = 1;
  std::map<uint64_t, Pending> pending_;              // by request id, i.e. by deadline
  std::multimap<Index, uint64_t> pending_by_index_;  // index -> request id
  std::map<uint64_t, PendingRead> reads_;            // awaiting their ReadState
  std::multimap<Index, IndexCallback> reads_ready_;  // awaiting the apply of their index
};

}  // namespace curve::raft
