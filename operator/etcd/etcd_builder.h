#pragma once

#include <vector>

#include "operator/objects/object_builder.h"

namespace curve::op {

// etcd: one member per service node (3, or 1 stand-alone), each a one-replica Deployment pinned
// to its node with a stable member name (<cluster>-etcd-a/b/c) and its data under
// <hostDataDir>/etcd; a ConfigMap with the static initial cluster; a headless Service; a
// PodDisruptionBudget (one member down at a time keeps quorum).
std::vector<DesiredObject> BuildEtcd(const BuildContext& ctx);

}  // namespace curve::op
