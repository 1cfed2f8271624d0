#pragma once

#include <functional>
#include <vector>

#include "operator/objects/object_builder.h"
#include "proto/mds/topology.pb.h"

namespace curve::op {

// The pure reconcile builder: every object a CurveCluster wants, in apply order (config,
// etcd, MDS, chunkservers, snapshotclone), deterministic for the same input.
std::vector<DesiredObject> BuildDesiredState(const BuildContext& ctx);
// The same objects in the same order, handed to `emit` as they are built, so the ~2,000
// objects of a 1,000-disk cluster need not be in memory at once.
void ForEachDesiredObject(const BuildContext& ctx,
                          const std::function<void(DesiredObject object)>& emit);

// The cluster map registered with the MDS: the CR's poolsets, one physical pool per used
// poolset ("<poolset>-pool", copysets per chunkserver from storage.copySets), one server per
// storage node with placed disks (host = node address, zone = failure domain, pool of its
// poolset). Poolsets that failed placement are still declared; the built-in "default" is not.
mds::ApplyTopologyRequest BuildTopology(const BuildContext& ctx);

// "<poolset>-pool".
std::string PhysicalPoolName(const std::string& poolset);

}  // namespace curve::op
