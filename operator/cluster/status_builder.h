#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
  std::string apply_error;     // non-empty when applying objects failed
  std::string topology_error;  // non-empty when the MDS could not be reached or refused
  std::optional<mds::GetClusterHealthResponse> health;
};

// The CurveCluster status (pure): phase Degraded when placement found problems or the MDS
// refused the topology, Ready when every role is fully ready and the MDS reports healthy,
// else Creating (nothing ready yet) or Progressing; conditions Progressing, Ready and Degraded
// with observedGeneration, reason and message; lastTransitionTime kept from `previous` when a
// condition's status did not change.
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
