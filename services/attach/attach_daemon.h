#pragma once

// The curve-attachd daemon: serves one volume as <runtime>/<volume>/mnt/volume through FUSE,
// binds a loop device (direct IO) over that file, records itself in state.json and runs until
// SIGTERM or SIGINT, then detaches the loop device, unmounts and removes the record. That
// shutdown is bounded by `stop_timeout`: when the cluster does not answer (MDS or chunkservers
// gone) it gives up with an error line naming what it waited for, fails the IO still queued,
// detaches and exits 1 if data may not have been flushed (0 if only closing the session hung).
// SIGUSR1 asks it to re-read the volume size (after the volume was grown) and update the loop
// device's capacity; it then rewrites the record with the new size and `refreshes` incremented.
//
// Unless `foreground`, it detaches from its caller first (fork, setsid, fork) and logs to
// <runtime>/<volume>/attachd.log. When `ready_fd` is set it writes one line there and closes it:
// "ready /dev/loopN" once the device works, or "error <status>" if start-up failed.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace curve::attach {

struct AttachDaemonOptions {
  std::string volume;
  std::string backend;  // "file:/path"
  std::string runtime_dir = "/run/curve/attach";
  bool foreground = false;
  int ready_fd = -1;
  uint32_t block_size = 4096;  // the loop device's logical block size
  int fuse_threads = 8;
  // How long shutdown may wait for the cluster (IO queued on the loop device, closing the MDS
  // session) before it gives up: below FuseLoopAttacherOptions::stop_timeout, so Unmap's SIGTERM
  // ends the daemon before it resorts to SIGKILL.
  std::chrono::milliseconds stop_timeout{10000};
};

// Parses --volume=, --backend=, --runtime-dir=, --foreground, --ready-fd=, --block-size=,
// --stop-timeout-ms=.
Result<AttachDaemonOptions> ParseAttachDaemonFlags(const std::vector<std::string>& args);

// Runs the daemon; returns the process exit code.
int RunAttachDaemon(const AttachDaemonOptions& options);

}  // namespace curve::attach
