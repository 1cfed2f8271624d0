#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace curve::csi {

// A CurveBS volume as the controller sees it.
struct BackendVolume {
  std::string user;       // owner
  std::string file_name;  // name inside the driver's volume directory
  int64_t size_bytes = 0;
  std::string poolset;
  int64_t ctime_ms = 0;
};

struct PoolsetCapacity {
  int64_t capacity_bytes = 0;
  int64_t used_bytes = 0;
};

// Where the controller keeps volumes: the MDS in production (MdsVolumeBackend), a fake in unit
// tests. Errors keep gRPC-aligned codes and name the cause. Implementations are thread-safe.
class VolumeBackend {
 public:
  virtual ~VolumeBackend() = default;

  // ALREADY_EXISTS when the name is taken; NOT_FOUND when the poolset does not exist.
  virtual Result<BackendVolume> Create(const std::string& user, const std::string& file_name,
                                       int64_t size_bytes, const std::string& poolset) = 0;
  // NOT_FOUND when absent.
  virtual Result<BackendVolume> Stat(const std::string& user, const std::string& file_name) = 0;
  // Every volume of the driver's directory, sorted by file name.
  virtual Result<std::vector<BackendVolume>> List() = 0;
  // Grows a volume to `size_bytes` (larger than now).
  virtual Result<BackendVolume> Extend(const std::string& user, const std::string& file_name,
                                       int64_t size_bytes) = 0;
  // Deletes for good; NOT_FOUND when absent; FAILED_PRECONDITION while it is attached somewhere.
  virtual Status Delete(const std::string& user, const std::string& file_name) = 0;
  // Capacity of a poolset (empty: default); NOT_FOUND when it does not exist.
  virtual Result<PoolsetCapacity> Capacity(const std::string& poolset) = 0;
  // OK when the backend answers.
  virtual Status Ping() = 0;
};

}  // namespace curve::csi
