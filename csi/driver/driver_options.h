#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/config.h"

namespace curve::csi {

enum class Mode { kController, kNode, kAll };

// Everything curve-csi is configured with: a YAML file (--config) whose keys flags override.
struct DriverOptions {
  Mode mode = Mode::kAll;
  std::string endpoint = "unix:///csi/csi.sock";
  std::string node_id;  // required in node and all modes
  std::string driver_name = "curve.csi.netease.com";
  std::vector<std::string> mds;  // MDS addresses; required in controller and all modes
  std::string volume_dir = "/k8s";
  std::string state_dir = "/var/lib/curve-csi";
  // "curve": CurveAttacher (curve-attachd per volume, state under attach_dir). "loopfile":
  // LoopFileAttacher (TEST/DEV ONLY: data in files under loop_dir, not in CurveBS).
  std::string attacher = "curve";
  std::string attach_dir = "/run/curve/attach";
  std::string attachd_path;  // empty: curve-attachd beside curve-csi
  // Curve attacher: the host's cgroup file system (e.g. /host/sys/fs/cgroup, a hostPath). Every
  // curve-attachd joins the cgroup curve-attach in each of its hierarchies, outside the node
  // plugin's container, and survives a container restart; empty: daemons stay in the plugin's
  // cgroups.
  std::string attach_cgroup_root;
  std::string loop_dir = "/var/lib/curve-csi/loop";
  std::string zone;
  // Node: serve the kubelet plugin-registration API (pluginregistration.v1) on this unix socket,
  // e.g. /var/lib/kubelet/plugins_registry/<driver>-reg.sock; empty: off (a
  // node-driver-registrar sidecar registers instead).
  std::string registration_socket;
  // Node: the CSI socket's path on the node as the kubelet dials it; empty: the endpoint's path.
  std::string kubelet_registration_path;
  // "host:port" of the liveness endpoint GET /healthz (the CSI socket answers Probe and the
  // kubelet has not refused the registration); empty: off.
  std::string healthz_listen;
  std::string default_fs_type = "ext4";  // node: for mount access naming no fs type
  int64_t min_volume_size = int64_t{10} << 30;
  int64_t max_volume_size = int64_t{20} << 40;

  // Keys: mode, endpoint, nodeid, drivername, mds, volumeDir, stateDir, attacher, attachDir,
  // attachdPath, attachCgroupRoot, loopDir, zone, registrationSocket, kubeletRegistrationPath,
  // healthzListen, defaultFsType, minVolumeSize, maxVolumeSize. Checks what the mode requires.
  Status Load(config::ConfigSource& source);
};

}  // namespace curve::csi
