#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "proto/mds/heartbeat.pb.h"
#include "proto/mds/topology.pb.h"
#include "services/mds/common/clock.h"
#include "services/mds/schedule/scheduler.h"
#include "services/mds/topology/topology_store.h"

namespace curve::mds {

struct TopologyOptions {
  // A chunkserver without a heartbeat for this long is reported offline.
  std::chrono::milliseconds offline_timeout{std::chrono::seconds(30)};
  uint32_t default_copysets_per_chunkserver = 100;
  // Copysets of a pool are created (or extended) once no chunkserver of the pool registered
  // for this long, so disks registering one after another get one balanced layout.
  std::chrono::milliseconds pool_settle{std::chrono::seconds(5)};
  SchedulerOptions scheduler;
};

// A logical pool as segment allocation sees it.
struct PoolView {
  uint32_t id = 0;
  std::vector<uint32_t> copysets;
  double used_ratio = 0;  // used / capacity of its chunkservers, from heartbeats
};

// The leader MDS's view of the topology: the stored document (cached, written with
// compare-and-swap so two writers never lose an update) plus runtime state from heartbeats,
// which lives only in memory and is rebuilt from heartbeats after a failover. Thread-safe.
class TopologyManager {
 public:
  TopologyManager(TopologyStore& store, const Clock& clock, TopologyOptions options);

  // Reads the stored topology (call when becoming leader); creates `default` when missing.
  // Chunkservers count as just seen, so a new leader does not mark everything offline.
  Status Reload();

  // Applies a declared cluster map (see ApplyClusterMap); returns the changes made.
  Result<std::vector<std::string>> Apply(const ApplyTopologyRequest& request);

  // Registers a disk. The same host and disk path always get the same id and token (port and
  // capacity are updated). NOT_FOUND when no server of the cluster map has the host;
  // FAILED_PRECONDITION when the disk type does not match the poolset type; INVALID_ARGUMENT
  // naming the bad field.
  Result<RegisterChunkServerResponse> Register(const RegisterChunkServerRequest& request);

  // Records a heartbeat and answers with orders: copysets this chunkserver should create,
  // changes for copysets it leads, and copysets it reports but is no longer a member of (the
  // stored configuration excludes it and its report is not newer, and no pending order adds
  // it). NOT_FOUND for an unknown id, PERMISSION_DENIED for a wrong token. A reported
  // 3-member configuration with a higher epoch than the stored one replaces it (and drops the
  // copyset's pending order).
  Result<HeartbeatResponse> Heartbeat(const HeartbeatRequest& request);

  // Retires a chunkserver (idempotent): it gets no new copysets and cannot register again;
  // the scheduler moves its copysets away (see PlanChanges), and its heartbeats are answered
  // until it is no member of any copyset. Returns how many copysets still list it. NOT_FOUND
  // naming chunkserver_id for an unknown id.
  Result<uint32_t> Retire(uint32_t chunkserver_id);

  // Creates or extends the copysets of settled pools, drops membership changes pending longer
  // than the scheduler's order_timeout, and runs the scheduler. Called periodically by the
  // leader.
  Status Tick();

  // The topology with chunkserver state and usage filled in.
  Topology Snapshot() const;
  GetClusterHealthResponse Health() const;

  // Logical pools of `poolset` that have copysets. NOT_FOUND for an unknown poolset.
  Result<std::vector<PoolView>> PoolsOf(const std::string& poolset) const;

  // "host:port" of the copyset's leader as last reported; UNAVAILABLE when none is known or it
  // is offline.
  Result<std::string> LeaderAddress(const CopysetKey& key) const;

  // Orders waiting for the leaders of their copysets (for tests and status).
  std::vector<ConfigChangeOrder> PendingOrders() const;

 private:
  struct Runtime {
    std::chrono::steady_clock::time_point last_seen;
    uint64_t capacity = 0;
    uint64_t used = 0;
    std::set<CopysetKey> reported;
  };
  struct CopysetRuntime {
    uint32_t leader = 0;
    uint64_t term = 0;
    uint64_t applied_index = 0;
    std::vector<uint32_t> unreachable;  // members the leader's raft has not heard from lately
  };

  // Runs `mutate` on a copy of the topology and saves it; retries on a concurrent write.
  // Mutations that change nothing write nothing. Requires mu_ NOT held.
  Status Mutate(const std::function<Status(Topology&)>& mutate);
  bool OnlineLocked(uint32_t id) const;
  // Whether a pending REPLACE_PEER order adds the chunkserver to the copyset.
  bool BeingAddedLocked(const CopysetKey& key, uint32_t chunkserver_id) const;
  void ExtendPools(Topology& topology, bool only_settled) const;
  std::map<uint32_t, ChunkServerStatus> StatusLocked() const;

  TopologyStore& store_;
  const Clock& clock_;
  TopologyOptions options_;

  mutable std::mutex write_mu_;  // serialises Mutate
  mutable std::mutex mu_;        // guards everything below
  VersionedTopology cached_;
  std::chrono::steady_clock::time_point loaded_at_;
  std::map<uint32_t, Runtime> runtime_;
  std::map<CopysetKey, CopysetRuntime> copysets_;
  std::map<std::string, std::chrono::steady_clock::time_point> pool_registered_at_;
  struct PendingOrder {
    ConfigChangeOrder order;
    std::chrono::steady_clock::time_point issued_at;
  };
  std::map<CopysetKey, PendingOrder> pending_;
};

}  // namespace curve::mds
