#include "csi/util/parameters.h"

#include <string_view>

#include "csi/util/volume_id.h"

namespace curve::csi {
namespace {

Status ValidateName(std::string_view key, const std::string& value, size_t max) {
  if (value.empty() || value.size() > max) {
    return InvalidArgumentError("parameter " + std::string(key) + " '" + value + "' must have 1.." +
                                std::to_string(max) + " characters");
  }
  for (char c : value) {
    if (!IsMdsNameChar(c)) {
      return InvalidArgumentError("parameter " + std::string(key) + " '" + value +
                                  "' has a character outside [A-Za-z0-9._-]");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<VolumeParameters> ParseVolumeParameters(const std::map<std::string, std::string>& params) {
  VolumeParameters out;
  std::string unknown;
  for (const auto& [key, value] : params) {
    if (key == "user") {
      CURVE_RETURN_IF_ERROR(ValidateName(key, value, 30));
      out.user = value;
    } else if (key == "poolset") {
      CURVE_RETURN_IF_ERROR(ValidateName(key, value, 255));
      out.poolset = value;
    } else if (key == "cloneLazy") {
      if (value == "true") {
        out.clone_lazy = true;
      } else if (value == "false") {
        out.clone_lazy = false;
      } else {
        return InvalidArgumentError("parameter cloneLazy '" + value +
                                    "' is invalid: expected true or false");
      }
    } else if (key == "csi.storage.k8s.io/fstype") {
      if (value != "ext4" && value != "xfs") {
        return InvalidArgumentError("parameter " + key + " '" + value +
                                    "' is invalid: expected ext4 or xfs");
      }
      out.fs_type = value;
    } else if (key.rfind("csi.storage.k8s.io/", 0) == 0) {
      // Set by the external-provisioner (PVC/PV names, secret references): informational.
    } else {
      unknown += unknown.empty() ? key : ", " + key;
    }
  }
  if (!unknown.empty()) {
    return InvalidArgumentError("unknown parameters: " + unknown +
                                " (accepted: user, poolset, cloneLazy)");
  }
  return out;
}

}  // namespace curve::csi
