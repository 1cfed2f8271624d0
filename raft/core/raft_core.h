#pragma once

// RaftCore: the public face of the deterministic raft core for one node of one group.
//
// The core does no I/O and owns no thread, clock or randomness: the driver feeds it received
// messages (Step), the passage of time (Tick, typically every 100 ms) and local requests
// (Propose, ProposeConfChange, ReadIndex, TransferLeader), and drains its output as Readys
// (GetReady ... Advance; the protocol is documented in ready.h). The same sequence of calls on
// the same stored state always yields the same Readys.
//
// Stable storage is read through a LogReader the driver also writes to. At construction the core
// loads the hard state, the snapshot point and the configuration history from it.
//
// Errors: request methods return FailedPrecondition "not the leader; leader=<id>" on a
// non-leader (id 0 when unknown), Unavailable while a leadership transfer is in progress or a
// new leader has not committed in its term, ResourceExhausted when max_uncommitted_bytes is hit.
// Broken invariants (storage violating its contract, a peer claiming leadership of our term
// while we lead it) abort the process.
//
// Thread-safety: none. Call everything from one thread (or under one lock).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "raft/core/configuration.h"
#include "raft/core/log_reader.h"
#include "raft/core/message.h"
#include "raft/core/options.h"
#include "raft/core/ready.h"

namespace curve::raft {

class Raft;

class RaftCore {
 public:
  // Validates `options` and loads state from `storage`, which must outlive the core. A node of a
  // new group starts from a storage bootstrapped with the initial configuration
  // (MemoryLog::Bootstrap); a node joining an existing group starts empty and learns its
  // membership from the leader.
  static Result<std::unique_ptr<RaftCore>> Create(const RaftOptions& options,
                                                  const LogReader* storage);
  ~RaftCore();

  RaftCore(const RaftCore&) = delete;
  RaftCore& operator=(const RaftCore&) = delete;

  // Delivers a message received from a peer. InvalidArgument for a message addressed to another
  // node or a snapshot message without a snapshot; stale and duplicate messages are OK and
  // ignored as the protocol requires.
  Status Step(Message message);

  // Advances the logical clock by one tick: elections, heartbeats, check-quorum, leases.
  void Tick();
  // Tick, where `clock` counts the ticks of a clock shared by every group the caller drives
  // (one more at each call). A leader then sends its periodic heartbeats on the ticks where
  // `clock` is a multiple of heartbeat_tick (and at the latest heartbeat_tick ticks after the
  // previous round), not heartbeat_tick ticks after it became leader: the heartbeats of all the
  // groups a process leads leave on the same ticks, one frame per peer, instead of spreading
  // over heartbeat_tick ticks. A round may come early (the first after an election), never late.
  void Tick(uint64_t clock);

  // Appends `data` as a new entry if this node leads. Returns the entry's (term, index): the
  // proposal succeeded iff an entry at that index with that term is later committed; an entry
  // of another term committed at that index means it was lost.
  Result<EntryId> Propose(std::string data);

  // Proposes adding or removing one voter (configuration.h states the rules). Fails with
  // FailedPrecondition while an earlier change is uncommitted, Unavailable until the leader has
  // committed an entry of its term, and AlreadyExists/NotFound for a no-op change.
  Result<EntryId> ProposeConfChange(const ConfChange& change);

  // Requests a linearizable read. On success, a ReadState with this id is emitted (in this or a
  // later Ready) once it is safe to serve the read at the state of its index; if the node stops
  // being leader first, the request is dropped silently (the Ready's soft_state says so).
  Status ReadIndex(uint64_t request_id);

  // Hands leadership to `target`: once its log is caught up it is told to campaign at once.
  // Proposals are refused meanwhile; the attempt is abandoned after an election timeout.
  // Transferring to the leader itself cancels a transfer in progress.
  Status TransferLeader(NodeId target);

  // Starts an election now (tests, tools). FailedPrecondition on a leader or a non-voter.
  Status Campaign();

  // The transport could not reach `peer`: stop pipelining to it and probe instead.
  void ReportUnreachable(NodeId peer);
  // The transport finished (success) or gave up on (failure) sending a snapshot to `peer`.
  // The transport MUST report every snapshot message it was given, or replication to that peer
  // stays paused.
  void ReportSnapshot(NodeId peer, bool success);

  // Whether GetReady would return work. False while a Ready is outstanding.
  bool HasReady() const;
  // The next batch of work. At most one Ready is outstanding: call Advance before the next
  // GetReady.
  Ready GetReady();
  // Acknowledges the outstanding Ready: its snapshot, entries and hard state are durable, its
  // messages handed to the transport and its committed entries applied.
  void Advance();

  NodeStatus GetStatus() const;
  NodeId id() const;
  Role role() const;
  Term term() const;
  NodeId leader() const;

  // Entries [lo, hi) of this node's log including not yet persisted ones, for diagnostics and
  // tests. OutOfRange when lo is compacted.
  Result<std::vector<Entry>> LogEntries(Index lo, Index hi) const;

 private:
  RaftCore(const RaftOptions& options, const LogReader* storage);

  std::unique_ptr<Raft> raft_;
  HardState persisted_hard_state_;
  SoftState reported_soft_state_;

  // What the outstanding Ready handed out, to acknowledge in Advance.
  bool ready_outstanding_ = false;
  std::optional<Index> ready_snapshot_index_;
  std::optional<EntryId> ready_last_entry_;
  std::optional<Index> ready_last_committed_;
  std::optional<HardState> ready_hard_state_;
  uint64_t max_committed_bytes_per_ready_;
};

}  // namespace curve::raft
