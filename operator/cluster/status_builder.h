#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "operator/placement/placement.h"
#include "proto/mds/topology.pb.h"

namespace curve::op {

struct RoleCount {
  int ready = 0;
  int total = 0;
};

// What the reconcile observed, for the status.
struct ObservedState {
  int64_t generation = 0;
  std::string version;  // the image every workload runs
  RoleCount etcd, mds, chunkservers, snapshotclone;
  Placement placement;
  std::string apply_error;  // non-empty when applying objects failed
  // The MDS: its addresses, whether the topology was registered, and the error of the call that
  // failed (registering or reading health). UNAVAILABLE / DEADLINE_EXCEEDED mean the MDS did not
  // answer (starting, restarting, no leader); any other code means it answered and refused.
  std::string mds_address;
  bool topology_registered = false;
  Status mds_status;
  std::optional<mds::GetClusterHealthResponse> health;
};

// The CurveCluster status (pure). Decisions, in order:
// - Degraded (always): placement problems (e.g. a poolset spanning < 3 failure domains),
//   objects the API server refused, or a topology the MDS refused.
// - Ready: every role's Deployments ready (at least one chunkserver), the topology registered,
//   and the MDS health summary showing, for every placed poolset, copysets > 0 all healthy and
//   every chunkserver online (and the whole cluster healthy). status.readyGeneration records
//   the generation it was Ready at (read back from `previous`; for a status written without
//   it, observedGeneration when its phase was Ready).
// - Otherwise something is awaited (daemons, the MDS answering, chunkservers online, copysets
//   created and healthy). If the cluster was Ready at this very generation (previous
//   readyGeneration == generation: nothing is being rolled out) it lost health: Degraded with
//   reason DaemonsNotReady / NoChunkservers / MdsUnreachable / TopologyNotRegistered /
//   ChunkserversOffline / CopysetsUnhealthy / ClusterUnhealthy. Else it is still coming up:
//   Creating (no daemon ready yet) or Progressing, with Progressing=True and Ready=False
//   carrying reason WaitingForDaemons / WaitingForDisks / WaitingForMds / WaitingForTopology /
//   WaitingForChunkservers / WaitingForCopysets / WaitingForClusterHealth (the first awaited)
//   and a "waiting for ..." message naming all of them.
// Conditions Progressing, Ready and Degraded carry observedGeneration, reason and message;
// lastTransitionTime is kept from `previous` when a condition's status did not change.
nlohmann::json BuildStatus(const ObservedState& observed, const nlohmann::json& previous,
                           const std::string& now);

// The status written when a reconcile starts on a new generation, before anything is applied
// (pure): `previous` with observedGeneration = `generation`, phase Creating (nothing observed
// yet) or Progressing, Progressing=True and Ready=False with reason Applying, Degraded Unknown.
// Watchers thus always see a spec change as Progressing, even when every daemon is ready again
// before the reconcile ends.
nlohmann::json BuildApplyingStatus(const nlohmann::json& previous, int64_t generation,
                                   const std::string& now);

}  // namespace curve::op
