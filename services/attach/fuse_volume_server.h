#pragma once

// FuseVolumeServer: serves one VolumeBackend as the single file "<mountpoint>/volume" through
// libfuse3's low-level API. The file is opened with direct_io (no page cache in the FUSE layer:
// every read and write reaches the backend, and a loop device on top adds none either), has the
// backend's size and cannot be resized. fsync (and flush on close) call VolumeBackend::Flush.
//
// Requests are served by a multi-threaded session loop; the backend must be thread-safe.
// Start/Stop are not thread-safe with each other; Stop is idempotent and called by the destructor.

#include <memory>
#include <string>
#include <thread>

#include "common/result.h"
#include "services/attach/volume_backend.h"

struct fuse_session;

namespace curve::attach {

struct FuseVolumeServerOptions {
  std::string fs_name = "curve";  // shown as the mount's source in /proc/mounts
  int max_threads = 8;
  unsigned max_write = 1 << 20;  // largest write the kernel sends in one request
};

class FuseVolumeServer {
 public:
  static constexpr const char* kFileName = "volume";

  // Mounts `mountpoint` (an existing empty directory) and starts serving. `backend` must outlive
  // the server.
  static Result<std::unique_ptr<FuseVolumeServer>> Start(VolumeBackend* backend,
                                                         const std::string& mountpoint,
                                                         const FuseVolumeServerOptions& options);
  ~FuseVolumeServer();

  // Unmounts and waits for the serving threads.
  void Stop();

  // Re-reads the backend's size (VolumeBackend::Refresh), drops the kernel's cached attributes
  // of the file and stats it so the kernel knows the new size before this returns. Returns the
  // size. Not thread-safe with Start/Stop.
  Result<uint64_t> RefreshSize();

  // "<mountpoint>/volume".
  std::string file_path() const;
  VolumeBackend* backend() const { return backend_; }
  const FuseVolumeServerOptions& options() const { return options_; }

 private:
  FuseVolumeServer(VolumeBackend* backend, std::string mountpoint, FuseVolumeServerOptions options)
      : backend_(backend), mountpoint_(std::move(mountpoint)), options_(std::move(options)) {}

  VolumeBackend* const backend_;
  const std::string mountpoint_;
  const FuseVolumeServerOptions options_;
  fuse_session* session_ = nullptr;
  std::thread loop_;
};

}  // namespace curve::attach
