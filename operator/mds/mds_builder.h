#pragma once

#include <vector>

#include "operator/objects/object_builder.h"

namespace curve::op {

// MDS: one replica per service node (3 spread over distinct nodes, or 1 stand-alone), each a
// one-replica Deployment pinned to its node; a ConfigMap (etcd endpoints, ports, spec.mds.config);
// a Service (port, dummy port); a PodDisruptionBudget.
std::vector<DesiredObject> BuildMds(const BuildContext& ctx);

}  // namespace curve::op
