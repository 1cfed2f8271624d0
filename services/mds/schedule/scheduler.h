#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "proto/mds/heartbeat.pb.h"
#include "proto/mds/topology.pb.h"

namespace curve::mds {

struct SchedulerOptions {
  // A chunkserver offline this long loses its copysets to replacements.
  std::chrono::milliseconds replace_after{std::chrono::minutes(30)};
  int max_concurrent_changes = 4;  // replacements in flight across the cluster
  int max_leader_transfers = 4;    // leader transfers ordered per round
  int leader_imbalance = 1;        // tolerated spread of leader counts within a pool
  // A membership change not reported done this long after it was ordered is dropped and
  // planned again (the target may have died, or the leader lost the order).
  std::chrono::milliseconds order_timeout{std::chrono::minutes(5)};
};

// What the MDS currently knows about a chunkserver from heartbeats.
struct ChunkServerStatus {
  bool online = false;
  std::chrono::milliseconds offline_for{0};
};

using CopysetKey = std::pair<uint32_t, uint32_t>;  // logical pool id, copyset id

// Decides membership changes and leader transfers. Pure: the same input gives the same orders.
// Replacement: every copyset with a member offline for at least `replace_after` gets a
// REPLACE_PEER order adding an online chunkserver of the same physical pool (so the same
// poolset) in a zone the other members do not use, with the fewest copysets; at most
// `max_concurrent_changes` minus `in_flight.size()` orders, copysets in `in_flight` skipped.
// A RETIRED member counts as dead at once: it is replaced, or, while it still leads the
// copyset, its leadership is first transferred to another online member.
// Leader balance: within each logical pool, while the most loaded online chunkserver leads more
// than `leader_imbalance` copysets above the least loaded, transfer one of its copysets to the
// member with the fewest leaders (up to `max_leader_transfers` per round).
// `leaders` maps copysets to their reported leader.
std::vector<ConfigChangeOrder> PlanChanges(const Topology& topology,
                                           const std::map<uint32_t, ChunkServerStatus>& status,
                                           const std::map<CopysetKey, uint32_t>& leaders,
                                           const std::set<CopysetKey>& in_flight,
                                           const SchedulerOptions& options);

}  // namespace curve::mds
