#pragma once

#include <map>
#include <string>

#include "common/result.h"

namespace curve::csi {

// The StorageClass parameters curve-csi accepts. Upstream curve-csi StorageClasses (`user`,
// `cloneLazy`) keep working; `poolset` chooses the MDS poolset.
struct VolumeParameters {
  std::string user = "k8s";  // MDS user owning the volume, 1..30 of [A-Za-z0-9._-]
  std::string poolset;       // empty: the MDS's `default`
  bool clone_lazy = false;   // clones read through to their source until flattened
  std::string fs_type;       // csi.storage.k8s.io/fstype when given by the CO
};

// Validates and parses CreateVolume/GetCapacity parameters. Keys under "csi.storage.k8s.io/"
// (set by the external-provisioner) are accepted; any other unknown key is INVALID_ARGUMENT
// naming every unknown key and the accepted ones.
Result<VolumeParameters> ParseVolumeParameters(const std::map<std::string, std::string>& params);

}  // namespace curve::csi
