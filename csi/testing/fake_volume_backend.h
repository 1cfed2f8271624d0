#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "csi/driver/volume_backend.h"

namespace curve::csi::testing {

// In-memory VolumeBackend with the MDS's answers (ALREADY_EXISTS, NOT_FOUND poolset, ...).
// `fail_with` makes every call fail (e.g. an unreachable MDS).
class FakeVolumeBackend : public VolumeBackend {
 public:
  Result<BackendVolume> Create(const std::string& user, const std::string& file_name,
                               int64_t size_bytes, const std::string& poolset) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fail_with.ok()) return fail_with;
    std::string set = poolset.empty() ? "default" : poolset;
    if (!poolsets.count(set)) return NotFoundError("poolset " + set + " does not exist");
    if (volumes.count(file_name)) return AlreadyExistsError("/k8s/" + file_name + " exists");
    return volumes[file_name] = BackendVolume{user, file_name, size_bytes, set, 0};
  }
  Result<BackendVolume> Stat(const std::string& user, const std::string& file_name) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fail_with.ok()) return fail_with;
    auto it = volumes.find(file_name);
    if (it == volumes.end()) return NotFoundError("/k8s/" + file_name + " does not exist");
    if (it->second.user != user) return PermissionDeniedError("not the owner");
    return it->second;
  }
  Result<std::vector<BackendVolume>> List() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fail_with.ok()) return fail_with;
    std::vector<BackendVolume> out;
    for (const auto& [name, volume] : volumes) out.push_back(volume);
    return out;
  }
  Result<BackendVolume> Extend(const std::string& user, const std::string& file_name,
                               int64_t size_bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fail_with.ok()) return fail_with;
    auto it = volumes.find(file_name);
    if (it == volumes.end()) return NotFoundError("/k8s/" + file_name + " does not exist");
    it->second.size_bytes = size_bytes;
    return it->second;
  }
  Status Delete(const std::string& user, const std::string& file_name) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fail_with.ok()) return fail_with;
    if (!volumes.erase(file_name)) return NotFoundError("/k8s/" + file_name + " does not exist");
    return Status::Ok();
  }
  Result<PoolsetCapacity> Capacity(const std::string& poolset) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fail_with.ok()) return fail_with;
    std::string set = poolset.empty() ? "default" : poolset;
    if (!poolsets.count(set)) return NotFoundError("poolset " + set + " does not exist");
    return poolsets[set];
  }
  Status Ping() override { return fail_with; }

  std::map<std::string, BackendVolume> volumes;  // by file name (sorted, like the MDS list)
  std::map<std::string, PoolsetCapacity> poolsets{{"default", {100ll << 30, 30ll << 30}},
                                                  {"ssd", {50ll << 30, 0}}};
  Status fail_with;

 private:
  std::mutex mu_;
};

}  // namespace curve::csi::testing
