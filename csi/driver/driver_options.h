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
  // "loop": LoopFileAttacher (TEST/DEV ONLY) with files under loop_dir. "curve" (`curve map`)
  // comes with the CurveBS attach.
  std::string attacher = "loop";
  std::string loop_dir = "/var/lib/curve-csi/loop";
  std::string zone;
  std::string default_fs_type = "ext4";  // node: for mount access naming no fs type
  int64_t min_volume_size = int64_t{10} << 30;
  int64_t max_volume_size = int64_t{20} << 40;

  // Keys: mode, endpoint, nodeid, drivername, mds, volumeDir, stateDir, attacher, loopDir,
  // zone, defaultFsType, minVolumeSize, maxVolumeSize. Checks what the mode requires.
  Status Load(config::ConfigSource& source);
};

}  // namespace curve::csi
