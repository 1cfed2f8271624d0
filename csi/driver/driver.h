#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "csi/driver/driver_options.h"

namespace curve::csi {

// The composition root of curve-csi: builds the backend, attacher, mounter and the CSI servers
// for the mode, restores staged volumes (node), and serves on the unix socket; in node mode
// optionally the kubelet plugin-registration socket, and the /healthz liveness endpoint. The
// destructor removes the registration socket so the kubelet unregisters the plugin.
class Driver {
 public:
  // Removes a stale socket file, then listens. Fails naming the cause.
  static Result<std::unique_ptr<Driver>> Start(const DriverOptions& options);
  ~Driver();

  // Waits for SIGTERM/SIGINT (blocked by main), then stops gracefully.
  void RunUntilSignal();

  // The port of the /healthz endpoint (healthzListen), 0 when it is off.
  int healthz_port() const;

 private:
  struct Parts;
  explicit Driver(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace curve::csi
