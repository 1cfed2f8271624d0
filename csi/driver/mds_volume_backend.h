#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "csi/driver/volume_backend.h"

namespace curve::mds {
class MdsClient;
}  // namespace curve::mds

namespace curve::csi {

struct MdsBackendOptions {
  std::vector<std::string> addresses;  // MDS replicas, host:port
  std::string volume_dir = "/k8s";     // created on first use, owned by root
  std::chrono::milliseconds attempt_timeout{std::chrono::seconds(3)};
  std::chrono::milliseconds total_timeout{std::chrono::seconds(10)};
};

// VolumeBackend on the CurveBS MDS (NamespaceService, TopologyService) through
// curve_mds_client's leader failover. Unreachable MDS: UNAVAILABLE "MDS unreachable at ...".
class MdsVolumeBackend : public VolumeBackend {
 public:
  static Result<std::unique_ptr<MdsVolumeBackend>> Create(MdsBackendOptions options);
  ~MdsVolumeBackend() override;

  Result<BackendVolume> Create(const std::string& user, const std::string& file_name,
                               int64_t size_bytes, const std::string& poolset) override;
  Result<BackendVolume> Stat(const std::string& user, const std::string& file_name) override;
  Result<std::vector<BackendVolume>> List() override;
  Result<BackendVolume> Extend(const std::string& user, const std::string& file_name,
                               int64_t size_bytes) override;
  Status Delete(const std::string& user, const std::string& file_name) override;
  Result<PoolsetCapacity> Capacity(const std::string& poolset) override;
  Status Ping() override;

 private:
  MdsVolumeBackend(MdsBackendOptions options, std::unique_ptr<mds::MdsClient> client,
                   std::unique_ptr<mds::MdsClient> ping_client);
  std::string PathOf(const std::string& file_name) const;
  Status EnsureVolumeDir();

  MdsBackendOptions options_;
  std::string addresses_;  // for messages
  std::unique_ptr<mds::MdsClient> client_;
  std::unique_ptr<mds::MdsClient> ping_client_;  // short timeouts for Probe
};

}  // namespace curve::csi
