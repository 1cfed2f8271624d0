#include "csi/driver/driver_options.h"

namespace curve::csi {

Status DriverOptions::Load(config::ConfigSource& source) {
  CURVE_RETURN_IF_ERROR(source.ReadEnum<Mode>(
      "mode", &mode,
      {{"controller", Mode::kController}, {"node", Mode::kNode}, {"all", Mode::kAll}}));
  CURVE_RETURN_IF_ERROR(source.Read("endpoint", &endpoint));
  CURVE_RETURN_IF_ERROR(source.Read("nodeid", &node_id));
  CURVE_RETURN_IF_ERROR(source.Read("drivername", &driver_name));
  CURVE_RETURN_IF_ERROR(source.Read("mds", &mds));
  CURVE_RETURN_IF_ERROR(source.Read("volumeDir", &volume_dir));
  CURVE_RETURN_IF_ERROR(source.Read("stateDir", &state_dir));
  CURVE_RETURN_IF_ERROR(source.Read("attacher", &attacher));
  CURVE_RETURN_IF_ERROR(source.Read("attachDir", &attach_dir));
  CURVE_RETURN_IF_ERROR(source.Read("attachdPath", &attachd_path));
  CURVE_RETURN_IF_ERROR(source.Read("attachCgroupRoot", &attach_cgroup_root));
  CURVE_RETURN_IF_ERROR(source.Read("loopDir", &loop_dir));
  CURVE_RETURN_IF_ERROR(source.Read("zone", &zone));
  CURVE_RETURN_IF_ERROR(source.Read("registrationSocket", &registration_socket));
  CURVE_RETURN_IF_ERROR(source.Read("kubeletRegistrationPath", &kubelet_registration_path));
  CURVE_RETURN_IF_ERROR(source.Read("healthzListen", &healthz_listen));
  CURVE_RETURN_IF_ERROR(source.Read("defaultFsType", &default_fs_type));
  if (default_fs_type != "ext4" && default_fs_type != "xfs") {
    return source.Invalid("defaultFsType", "ext4 or xfs");
  }
  CURVE_RETURN_IF_ERROR(
      source.Read("minVolumeSize", &min_volume_size, int64_t{1} << 30, int64_t{1} << 50));
  CURVE_RETURN_IF_ERROR(
      source.Read("maxVolumeSize", &max_volume_size, int64_t{1} << 30, int64_t{1} << 50));
  if (endpoint.rfind("unix://", 0) != 0 || endpoint.size() <= 8) {
    return InvalidArgumentError("endpoint '" + endpoint + "' must look like unix:///path");
  }
  bool controller = mode != Mode::kNode;
  bool node = mode != Mode::kController;
  if (controller && mds.empty()) {
    return InvalidArgumentError(
        "controller mode needs MDS addresses: --mds=host:port,... or "
        "mds in the config file");
  }
  if (node && node_id.empty()) return InvalidArgumentError("node mode needs --nodeid");
  if (node && attacher != "curve" && attacher != "loopfile") {
    return source.Invalid("attacher", "curve or loopfile");
  }
  if (node && attacher == "curve" && mds.empty()) {
    return InvalidArgumentError(
        "node mode with attacher curve needs MDS addresses (the attach daemons open volumes "
        "through them): --mds=host:port,... or mds in the config file");
  }
  if (!attach_cgroup_root.empty() && (!node || attacher != "curve")) {
    return InvalidArgumentError(
        "attachCgroupRoot is for the node plugin with attacher curve (mode node or all)");
  }
  if (!attach_cgroup_root.empty() && attach_cgroup_root[0] != '/') {
    return source.Invalid("attachCgroupRoot", "an absolute path of the host's cgroup file system");
  }
  if (!registration_socket.empty() && !node) {
    return InvalidArgumentError("registrationSocket is for the node plugin (mode node or all)");
  }
  if (!registration_socket.empty() && registration_socket[0] != '/') {
    return source.Invalid("registrationSocket", "an absolute path of a unix socket");
  }
  if (min_volume_size > max_volume_size) {
    return InvalidArgumentError("minVolumeSize is above maxVolumeSize");
  }
  return Status::Ok();
}

}  // namespace curve::csi
