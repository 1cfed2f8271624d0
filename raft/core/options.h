#pragma once

// RaftOptions: everything that configures one raft node's core. Defaults suit a copyset with a
// 100 ms tick. Validate before constructing a RaftCore (RaftCore::Create does).

#include <cstddef>
#include <cstdint>

#include "common/status.h"
#include "raft/core/types.h"

namespace curve::raft {

enum class ReadMode : uint8_t {
  // Every read waits for a heartbeat round, started after the read arrived, to be acknowledged
  // by a quorum. Safe without any assumption about clocks.
  kReadIndex,
  // A read is served at once while the leader holds a lease: a quorum acknowledged a heartbeat
  // sent less than (election_tick - lease_margin_ticks) ticks ago. Needs check_quorum (followers
  // refuse to vote for election_tick ticks after hearing from the leader) and clocks whose rates
  // differ by less than the margin over an election timeout. Falls back to kReadIndex when the
  // lease has lapsed.
  kLeaseBased,
};

struct RaftOptions {
  NodeId id = kNoNode;

  // Ticks without hearing from a leader before a follower campaigns; the actual timeout is drawn
  // uniformly from [election_tick, 2 * election_tick) after every reset.
  int election_tick = 10;
  // Ticks between a leader's heartbeat rounds. Must be below election_tick.
  int heartbeat_tick = 1;

  // A node first asks whether it could win (pre-vote) before incrementing its term, so a node
  // rejoining from a partition cannot depose a healthy leader.
  bool pre_vote = true;
  // A leader steps down when it has not heard from a quorum for election_tick ticks, and a node
  // that heard from a leader within election_tick ticks ignores vote requests.
  bool check_quorum = true;

  ReadMode read_mode = ReadMode::kReadIndex;
  // Safety margin subtracted from the lease for clock-rate differences.
  int lease_margin_ticks = 2;

  // Flow control per follower: appends in flight (and their bytes, 0 = unlimited).
  size_t max_inflight_messages = 256;
  uint64_t max_inflight_bytes = 0;
  // Byte cap of one append message (always at least one entry).
  uint64_t max_bytes_per_message = 1 << 20;
  // Byte cap of the committed entries in one Ready (always at least one entry).
  uint64_t max_committed_bytes_per_ready = 64 << 20;
  // Proposals are refused with ResourceExhausted while the leader's uncommitted entries exceed
  // this many bytes (0 = unlimited).
  uint64_t max_uncommitted_bytes = 0;

  // Seeds the core's private generator of election timeouts. Give each node its own value; the
  // same seed and inputs always produce the same outputs.
  uint64_t random_seed = 0;

  // The index the application's state already reflects at startup (0 = the snapshot's index).
  Index applied = 0;
};

// InvalidArgument naming the first bad field and what was expected.
Status ValidateOptions(const RaftOptions& options);

}  // namespace curve::raft
