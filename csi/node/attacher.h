#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/result.h"

namespace curve::csi {

// What a node needs to attach a volume (from the volume id and the CreateVolume context).
struct AttachRequest {
  std::string volume_id;
  std::string user;
  std::string file_name;
  int64_t size_bytes = 0;  // the size known at creation; a hint for test backends
};

// Makes CurveBS volumes appear as local block devices. The production implementation is the
// CurveAttacher (a detached curve-attachd per volume: FUSE file + loop device, outliving the node
// plugin); the LoopFileAttacher is a test/dev stand-in. Implementations are thread-safe and
// idempotent per volume: attaching an attached volume returns its device, detaching a detached one
// is OK.
class Attacher {
 public:
  virtual ~Attacher() = default;

  // Returns the block device path (e.g. /dev/loop3).
  virtual Result<std::string> Attach(const AttachRequest& request) = 0;
  // Detaches the volume; OK when it was not attached.
  virtual Status Detach(const std::string& volume_id) = 0;
  // Volume id → device of every volume attached through this attacher on this node.
  virtual Result<std::map<std::string, std::string>> ListAttached() = 0;
  // Makes the device reflect the volume's current size (after a controller expansion);
  // `size_bytes` is the size the CO asked for (a hint). Returns the device's size.
  virtual Result<int64_t> Refresh(const std::string& volume_id, int64_t size_bytes) = 0;
  // OK when the volume is attached and its device works (for the volume condition of
  // NodeGetVolumeStats); otherwise a status whose message says what is wrong (NOT_FOUND: not
  // attached; UNAVAILABLE: attached but broken, e.g. its daemon died).
  virtual Status Check(const std::string& volume_id) = 0;
};

}  // namespace curve::csi
