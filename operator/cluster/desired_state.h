#pragma once

#include <vector>

#include "operator/objects/object_builder.h"
#include "proto/mds/topology.pb.h"

namespace curve::op {

// The pure reconcile builder: every object a CurveCluster wants, in apply order (config,
// etcd, MDS, chunkservers, snapshotclone), deterministic for the same input.
std::vector<DesiredObject> BuildDesiredState(const BuildContext& ctx);

// The cluster map registered with the MDS: the CR's poolsets, one physical pool per used
// poolset ("<poolset>-pool", copysets per chunkserver from storage.copySets), one server per
// storage node with placed disks (host = node address, zone = failure domain, pool of its
// poolset). Poolsets that failed placement are still declared; the built-in "default" is not.
mds::ApplyTopologyRequest BuildTopology(const BuildContext& ctx);

// "<poolset>-pool".
std::string PhysicalPoolName(const std::string& poolset);

}  // namespace curve::op
