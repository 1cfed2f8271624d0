#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "csi/node/attacher.h"
#include "csi/node/mounter.h"

namespace curve::csi::testing {

// In-memory Attacher: a volume's device is /dev/fake-<volume id> (its data, i.e. the Mounter's
// formats, belong to that name across detach and re-attach).
class FakeAttacher : public Attacher {
 public:
  Result<std::string> Attach(const AttachRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++attach_calls;
    if (failing_attaches > 0) {
      --failing_attaches;
      return UnavailableError("volume " + request.volume_id + " is still open elsewhere");
    }
    auto it = attached.find(request.volume_id);
    if (it != attached.end()) return it->second;
    std::string device = device_prefix + request.volume_id;
    attached[request.volume_id] = device;
    sizes[request.volume_id] = request.size_bytes;
    return device;
  }
  Status Detach(const std::string& volume_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    attached.erase(volume_id);
    return Status::Ok();
  }
  Result<std::map<std::string, std::string>> ListAttached() override {
    std::lock_guard<std::mutex> lock(mu_);
    return attached;
  }
  Result<int64_t> Refresh(const std::string& volume_id, int64_t size_bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!attached.count(volume_id)) return NotFoundError(volume_id + " is not attached");
    sizes[volume_id] = std::max(sizes[volume_id], size_bytes);
    return sizes[volume_id];
  }
  Status Check(const std::string& volume_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (broken.count(volume_id)) return UnavailableError("device of " + volume_id + " is broken");
    if (!attached.count(volume_id)) return NotFoundError(volume_id + " is not attached");
    return Status::Ok();
  }

  std::map<std::string, std::string> attached;
  std::map<std::string, int64_t> sizes;
  std::set<std::string> broken;              // volumes whose Check reports UNAVAILABLE
  std::string device_prefix = "/dev/fake-";  // of the devices Attach hands out
  std::atomic<int> attach_calls{0};
  int failing_attaches = 0;  // how many Attach calls still fail UNAVAILABLE

 private:
  std::mutex mu_;
};

// In-memory Mounter: remembers formats and mounts; never touches the system.
class FakeMounter : public Mounter {
 public:
  Result<std::string> GetFormat(const std::string& device) override {
    auto it = formats.find(device);
    return it == formats.end() ? std::string() : it->second;
  }
  Status Format(const std::string& device, const std::string& fs_type) override {
    ++format_calls;
    formats[device] = fs_type;
    return Status::Ok();
  }
  Status Mount(const std::string& source, const std::string& target, const std::string& fs_type,
               const std::vector<std::string>& options) override {
    if (!mount_error.ok()) return mount_error;
    mounts[target] = MountPoint{source, target, fs_type, "/", false};
    return Status::Ok();
  }
  Status BindMount(const std::string& source, const std::string& target, bool read_only) override {
    // Like mountinfo: a bind mount of a mounted directory shows that mount's device.
    auto it = mounts.find(source);
    std::string fs = it == mounts.end() ? "devtmpfs" : it->second.fs_type;
    std::string device = it == mounts.end() ? source : it->second.source;
    mounts[target] = MountPoint{device, target, fs, "/", read_only};
    return Status::Ok();
  }
  Status Unmount(const std::string& target) override {
    mounts.erase(target);
    return Status::Ok();
  }
  Result<MountPoint> FindMount(const std::string& target) override {
    auto it = mounts.find(target);
    if (it == mounts.end()) return NotFoundError("nothing is mounted at " + target);
    return it->second;
  }
  Result<bool> NeedsGrow(const std::string& device, const std::string& fs_type) override {
    return grown_devices.count(device) > 0;
  }
  Status ResizeFs(const std::string& device, const std::string& mount_path,
                  const std::string& fs_type) override {
    ++resize_calls;
    resizes.push_back(device + (mount_path.empty() ? " offline" : " at " + mount_path));
    grown_devices.erase(device);
    return Status::Ok();
  }

  std::map<std::string, std::string> formats;
  std::map<std::string, MountPoint> mounts;
  std::set<std::string> grown_devices;  // devices larger than their file system (NeedsGrow)
  std::vector<std::string> resizes;     // "<device> offline" or "<device> at <mount path>"
  int format_calls = 0;
  int resize_calls = 0;
  Status mount_error;  // what Mount answers when not OK (e.g. a bad mount option)
};

}  // namespace curve::csi::testing
