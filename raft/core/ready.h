#pragma once

// What the core hands its driver (Ready), and what it reports about itself (NodeStatus).
//
// Driver loop, single-threaded with respect to the core:
//   if (core.HasReady()) {
//     Ready rd = core.GetReady();
//     send(rd.messages);                       // may go before persisting (leader replication)
//     persist rd.snapshot (then restore the state machine from it), rd.entries (truncating the
//       stable log at rd.entries.front().index first) and rd.hard_state; fsync;
//     send(rd.messages_after_persist);         // only once the above is durable
//     apply rd.committed_entries in order;
//     serve each rd.read_states[i] once applied index >= its index;
//     core.Advance();
//   }
// Step/Tick/Propose may be called between GetReady and Advance; GetReady may not.
// A driver that prefers simplicity may send both message lists after persisting.

#include <cstdint>
#include <optional>
#include <vector>

#include "raft/core/message.h"
#include "raft/core/progress.h"
#include "raft/core/types.h"

namespace curve::raft {

// Volatile state worth reporting when it changes.
struct SoftState {
  NodeId leader = kNoNode;
  Role role = Role::kFollower;
  bool operator==(const SoftState&) const = default;
};

// A read request (RaftCore::ReadIndex) is linearizable once the state machine has applied
// `index`.
struct ReadState {
  uint64_t request_id = 0;
  Index index = 0;
  bool operator==(const ReadState&) const = default;
};

struct Ready {
  // Set when role or leader changed since the previous Ready. A driver fails its outstanding
  // proposals and reads when the node stops being leader: the core drops pending reads then.
  std::optional<SoftState> soft_state;
  // Set when term, vote or commit changed; persist it.
  std::optional<HardState> hard_state;
  // A snapshot received from the leader: replace the stable log by it and restore the state
  // machine from its payload, before appending `entries`.
  std::optional<Snapshot> snapshot;
  // Entries to append to stable storage.
  std::vector<Entry> entries;
  // Messages that may be sent before this Ready is persisted (a leader's appends, heartbeats,
  // snapshots and TimeoutNow in an unchanged term: they claim nothing about the sender's disk).
  std::vector<Message> messages;
  // Messages that must wait until snapshot, entries and hard state above are durable (votes,
  // acknowledgements, anything sent in a new term).
  std::vector<Message> messages_after_persist;
  // Committed entries to apply, in index order. They are durable once this Ready is persisted.
  std::vector<Entry> committed_entries;
  // Reads that may be served once the state machine has applied their index.
  std::vector<ReadState> read_states;

  // Whether anything must be written to stable storage (and synced) for this Ready.
  bool MustPersist() const { return hard_state || snapshot || !entries.empty(); }
};

struct PeerStatus {
  NodeId id = kNoNode;
  Index match = 0;
  Index next = 0;
  ProgressState state = ProgressState::kProbe;
  bool recent_active = false;
};

struct NodeStatus {
  NodeId id = kNoNode;
  Role role = Role::kFollower;
  Term term = 0;
  NodeId vote = kNoNode;
  NodeId leader = kNoNode;
  Index commit = 0;
  Index applied = 0;
  Index first_index = 0;
  Index last_index = 0;
  Configuration config;
  NodeId transferee = kNoNode;    // leadership transfer target, while one is in progress
  std::vector<PeerStatus> peers;  // leaders only: every voter, including itself
};

}  // namespace curve::raft
