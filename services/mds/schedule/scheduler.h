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
  // Rebalancing: copysets moved per round and pool (also bounded by max_concurrent_changes),
  // and the tolerated distance of a disk's copyset count and scatter width from the pool mean.
  int max_rebalance_changes = 1;
  double copyset_imbalance = 0.1;
  double scatter_width_imbalance = 0.1;
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
// Rebalancing (a pool grown by new disks), only in a pool where every disk is online and not
// retired, no change is in flight and none was planned this round, at most
// `max_rebalance_changes` REPLACE_PEER orders per pool and round, each moving one copyset from
// a member to a disk of the same zone (or of a zone the other members do not use), never away
// from the copyset's leader (unknown leader: not moved):
// 1. counts: while a disk holds more than `copyset_imbalance` above the mean (or one less
//    than that below), move a copyset from the most loaded disk that can give one to the least
//    loaded disk that can take it, preferring the copyset bringing it the most new peers;
// 2. scatter width (distinct peers): while the disk with the fewest peers is more than
//    `scatter_width_imbalance` below the mean, add it to a copyset whose other members are not
//    its peers yet, in place of its zone's member with the most copysets, as long as both
//    copyset counts stay within the tolerance.
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
