#pragma once

#include "common/status.h"

namespace csi::v1 {
class VolumeCapability;
}  // namespace csi::v1

namespace curve::csi {

// Whether curve-csi serves a volume capability: block or mount access (fs ext4, xfs or the
// default); every single-node mode, multi-node read-only, and multi-node writers for block only
// (a file system mounted on two nodes would be corrupted). INVALID_ARGUMENT naming the problem.
Status CheckVolumeCapability(const ::csi::v1::VolumeCapability& capability);

}  // namespace curve::csi
