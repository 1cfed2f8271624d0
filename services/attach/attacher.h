#pragma once

// Attacher: makes a volume a local block device. FuseLoopAttacher (a FUSE file plus a loop
// device, for kernels without nbd) is the implementation today; an NbdAttacher can implement the
// same interface where /dev/nbd* exists.

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace curve::attach {

struct MappedVolume {
  std::string volume;
  std::string device;   // "/dev/loop3"
  std::string backend;  // the backend spec it was mapped with
  pid_t pid = 0;        // the daemon serving it
  bool alive = false;   // whether that daemon is running
  bool direct_io = false;
  std::string log_file;
  uint64_t size = 0;  // bytes the device serves (0 when unknown)
};

class Attacher {
 public:
  virtual ~Attacher() = default;

  // Maps `volume` (read and written through the backend named by `backend_spec`) and returns its
  // device. Idempotent: a volume already mapped by a live daemon returns the same device; a
  // mapping whose daemon died is cleaned up and made again. FAILED_PRECONDITION when the volume
  // is mapped with a different backend.
  virtual Result<MappedVolume> Map(const std::string& volume, const std::string& backend_spec) = 0;

  // Unmaps by device path ("/dev/loop3") or volume name. NOT_FOUND when nothing mapped matches;
  // FAILED_PRECONDITION when the device is in use (mounted).
  virtual Status Unmap(const std::string& device_or_volume) = 0;

  // Makes a mapped volume's device serve the volume's current size (after the volume was grown)
  // and returns the mapping with that size. NOT_FOUND when the volume is not mapped;
  // UNAVAILABLE when its daemon is dead.
  virtual Result<MappedVolume> Refresh(const std::string& volume) = 0;

  // Every mapped volume, including ones whose daemon has died (alive = false).
  virtual Result<std::vector<MappedVolume>> ListMapped() = 0;
};

}  // namespace curve::attach
