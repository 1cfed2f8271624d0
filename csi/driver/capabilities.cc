#include "csi/driver/capabilities.h"

#include "proto/csi/csi.pb.h"

namespace curve::csi {

Status CheckVolumeCapability(const ::csi::v1::VolumeCapability& capability) {
  using Mode = ::csi::v1::VolumeCapability::AccessMode;
  if (!capability.has_block() && !capability.has_mount()) {
    return InvalidArgumentError("volume capability has no access type (block or mount)");
  }
  if (!capability.has_access_mode() || capability.access_mode().mode() == Mode::UNKNOWN) {
    return InvalidArgumentError("volume capability has no access mode");
  }
  if (capability.has_mount()) {
    const std::string& fs = capability.mount().fs_type();
    if (!fs.empty() && fs != "ext4" && fs != "xfs") {
      return InvalidArgumentError("fs_type '" + fs + "' is not supported: expected ext4 or xfs");
    }
    auto mode = capability.access_mode().mode();
    if (mode == Mode::MULTI_NODE_MULTI_WRITER || mode == Mode::MULTI_NODE_SINGLE_WRITER) {
      return InvalidArgumentError(
          "access mode " + Mode::Mode_Name(mode) +
          " is only supported for block access: a file system cannot be written from two nodes");
    }
  }
  return Status::Ok();
}

}  // namespace curve::csi
