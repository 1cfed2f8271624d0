#pragma once

#include <vector>

#include "operator/objects/object_builder.h"

namespace curve::op {

// The name of the Secret holding the S3 keys: the CR's credentialsSecretRef, else the
// operator-owned <cluster>-s3-credentials made from the deprecated plain-text keys.
std::string S3SecretName(const BuildContext& ctx);

// Snapshotclone, when spec.snapShotClone.enable: a ConfigMap (S3 address and bucket, never the
// keys), the operator-owned Secret when the CR carries plain-text keys, one pinned Deployment per
// service node with the keys from the Secret as environment, a Service, a
// PodDisruptionBudget. Nothing when disabled.
std::vector<DesiredObject> BuildSnapshotClone(const BuildContext& ctx);

}  // namespace curve::op
