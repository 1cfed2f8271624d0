#pragma once

// Raft: the protocol state machine of one node of one group. Pure: no I/O, threads, clocks or
// randomness of its own (election timeouts come from a generator seeded by the options), so the
// same inputs always produce the same outputs. Inputs are received messages, ticks and local
// requests; outputs accumulate in an outbox (messages, read states) and in the RaftLog (entries
// and snapshot to persist, entries to apply), which RaftCore packages into Readys.
//
// The implementation is split by concern: raft.cc (stepping, ticks, role changes),
// raft_election.cc (pre-vote and vote), raft_replication.cc (follower side of appends and
// snapshots, leader's sending and commit), raft_leader.cc (leader's requests: proposals,
// membership, reads, transfer).
//
// Not thread-safe: one driver thread calls everything.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "raft/core/configuration.h"
#include "raft/core/message.h"
#include "raft/core/options.h"
#include "raft/core/progress_tracker.h"
#include "raft/core/raft_log.h"
#include "raft/core/random.h"
#include "raft/core/read_tracker.h"
#include "raft/core/ready.h"

namespace curve::raft {

class Raft {
 public:
  // `options` must be valid (ValidateOptions); `storage` must outlive this object.
  Raft(const RaftOptions& options, const LogReader* storage);

  Raft(const Raft&) = delete;
  Raft& operator=(const Raft&) = delete;

  // ---- Inputs (see RaftCore for the contracts) ----
  Status Step(Message m);
  void Tick(std::optional<uint64_t> clock);
  Result<EntryId> Propose(std::string data);
  Result<EntryId> ProposeConfChange(const ConfChange& change);
  Status ReadIndex(uint64_t request_id);
  Status TransferLeader(NodeId target);
  Status Campaign();
  void ReportUnreachable(NodeId peer);
  void ReportSnapshot(NodeId peer, bool success);

  // The driver persisted entries up to `last`: a leader may now count its own copy.
  void OnPersisted(EntryId last);

  // ---- Outputs ----
  std::vector<Message> TakeMessages();
  std::vector<ReadState> TakeReadStates();
  bool HasMessages() const { return !msgs_.empty(); }
  bool HasReadStates() const { return !read_states_.empty(); }

  // ---- State ----
  NodeId id() const { return id_; }
  Role role() const { return role_; }
  Term term() const { return term_; }
  NodeId leader() const { return leader_; }
  HardState hard_state() const { return HardState{term_, vote_, log_.committed()}; }
  SoftState soft_state() const { return SoftState{leader_, role_}; }
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  const Configuration& config() const { return tracker_.config(); }
  NodeStatus GetStatus() const;

 private:
  // raft.cc: roles and dispatch.
  void BecomeFollower(Term term, NodeId leader);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void Reset(Term term);
  void ResetRandomizedElectionTimeout();
  void TickElection();
  void TickHeartbeat(std::optional<uint64_t> clock);
  void StepFollower(Message& m);
  void StepCandidate(Message& m);
  void StepLeader(Message& m);
  void Send(Message m);
  bool Promotable() const { return tracker_.config().Contains(id_); }
  // Installs the log's current configuration in the tracker when it changed.
  void SyncConfiguration();

  // raft_election.cc.
  void Hup(bool transfer);
  void StartCampaign(bool pre_vote, bool transfer);
  void HandleVoteRequest(const Message& m);
  void HandleVoteResponse(const Message& m);
  // Whether this node heard from a live leader too recently to grant votes (check_quorum).
  bool InLease() const;

  // raft_replication.cc.
  void HandleAppend(Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(const Message& m);
  void HandleAppendResponse(const Message& m, Progress* pr);
  void HandleHeartbeatResponse(const Message& m, Progress* pr);
  // Sends to `to` what its Progress allows: one probe, or appends up to the window. An empty
  // append goes out only with send_if_empty (a probe that also carries the commit index).
  void SendAppend(NodeId to, bool send_if_empty);
  bool MaybeSendAppend(NodeId to, Progress* pr, bool send_if_empty);
  bool MaybeSendSnapshot(NodeId to, Progress* pr);
  void BroadcastAppend();
  void BroadcastHeartbeat();
  bool MaybeCommit();
  void OnCommitAdvanced();

  // raft_leader.cc.
  void AppendEntries(std::vector<Entry> entries);
  bool CommittedInCurrentTerm() const;
  void ServeRead(uint64_t request_id);
  void ReleaseReads();
  bool LeaseValid() const;
  void SendTimeoutNow(NodeId to);
  void AbortTransfer();
  void MaybeStepDownAfterRemoval();
  Status NotLeaderError() const;

  // Configuration.
  const NodeId id_;
  const int election_tick_;
  const int heartbeat_tick_;
  const bool pre_vote_;
  const bool check_quorum_;
  const ReadMode read_mode_;
  const int lease_margin_ticks_;
  const uint64_t max_bytes_per_message_;
  const uint64_t max_uncommitted_bytes_;
  const LogReader* storage_;

  // Persistent state (mirrored to stable storage through Readys).
  Term term_ = 0;
  NodeId vote_ = kNoNode;
  RaftLog log_;

  // Volatile state.
  Role role_ = Role::kFollower;
  NodeId leader_ = kNoNode;
  ProgressTracker tracker_;
  uint64_t synced_config_version_ = 0;
  SplitMix64 rng_;
  uint64_t now_ = 0;  // ticks since start: the leader's lease clock
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  // Until one election timeout has passed after a (re)start, vote requests are ignored as if a
  // leader had just been heard from: a restarted node may have acknowledged a lease it forgot.
  bool recently_started_ = false;

  // Leader state.
  Index pending_conf_index_ = 0;  // a configuration entry at or below it may be uncommitted
  NodeId transferee_ = kNoNode;
  int transfer_elapsed_ = 0;    // a transfer not done within election_tick ticks is abandoned
  bool lease_revoked_ = false;  // TimeoutNow sent in this term: no lease reads until it ends
  std::deque<std::pair<Index, uint64_t>> uncommitted_;  // proposals' (index, bytes)
  uint64_t uncommitted_bytes_ = 0;
  ReadTracker reads_;
  std::vector<uint64_t> reads_awaiting_commit_;  // before the first commit of the term

  // Outbox.
  std::vector<Message> msgs_;
  std::vector<ReadState> read_states_;
};

}  // namespace curve::raft
