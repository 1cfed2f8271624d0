#pragma once

// FuseLoopAttacher: maps a volume by starting a detached curve-attachd (attach_daemon.h) that
// serves it through FUSE and a loop device, and finds mappings again through the state records
// under the runtime dir (attach_state.h). Map and Unmap of one volume are serialized by a flock
// on <runtime>/<volume>.lock, across processes. Thread-safe.

#include <chrono>
#include <string>
#include <vector>

#include "services/attach/attach_state.h"
#include "services/attach/attacher.h"

namespace curve::attach {

struct FuseLoopAttacherOptions {
  std::string runtime_dir = "/run/curve/attach";
  // The daemon binary; empty: curve-attachd beside the running executable.
  std::string attachd_path;
  // Cgroup directories (attach_cgroup.h PrepareCgroups) every daemon joins before it runs, so it
  // survives the end of the caller's cgroups (a container restart); empty: the caller's cgroups.
  std::vector<std::string> cgroups;
  std::chrono::milliseconds start_timeout{30000};
  std::chrono::milliseconds stop_timeout{15000};
};

class FuseLoopAttacher : public Attacher {
 public:
  explicit FuseLoopAttacher(FuseLoopAttacherOptions options);

  Result<MappedVolume> Map(const std::string& volume, const std::string& backend_spec) override;
  Status Unmap(const std::string& device_or_volume) override;
  // Signals the daemon (SIGUSR1) and waits up to start_timeout for its record to show the
  // refresh done.
  Result<MappedVolume> Refresh(const std::string& volume) override;
  Result<std::vector<MappedVolume>> ListMapped() override;

 private:
  // Starts the daemon and waits for its "ready" line.
  Result<MappedVolume> StartDaemon(const std::string& volume, const std::string& backend_spec);
  // Stops the daemon of `state` (SIGTERM, then SIGKILL after stop_timeout) and removes whatever
  // it left: the loop binding (released by the kernel later when the device is still in use), the
  // FUSE mount, the record.
  Status StopAndClean(const AttachState& state);
  std::string AttachdPath() const;

  const FuseLoopAttacherOptions options_;
};

MappedVolume ToMappedVolume(const AttachState& state);

}  // namespace curve::attach
