#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "common/result.h"
#include "proto/kubelet/pluginregistration.grpc.pb.h"

namespace curve::csi {

struct RegistrationOptions {
  std::string driver_name;
  // The CSI socket's path as the kubelet sees it on the node (it dials this after GetInfo).
  std::string csi_socket;
};

// The kubelet plugin-registration service (pluginregistration.v1), served by the node plugin on
// a socket in the kubelet's plugins_registry directory so no node-driver-registrar sidecar is
// needed: GetInfo answers {type CSIPlugin, the driver name, the CSI socket, versions ["1.0.0"]};
// NotifyRegistrationStatus records and logs the kubelet's verdict. Thread-safe.
class RegistrationServer final : public ::pluginregistration::Registration::Service {
 public:
  explicit RegistrationServer(RegistrationOptions options) : options_(std::move(options)) {}

  grpc::Status GetInfo(grpc::ServerContext* context,
                       const ::pluginregistration::InfoRequest* request,
                       ::pluginregistration::PluginInfo* response) override;
  grpc::Status NotifyRegistrationStatus(
      grpc::ServerContext* context, const ::pluginregistration::RegistrationStatus* request,
      ::pluginregistration::RegistrationStatusResponse* response) override;

  // OK until the kubelet reports a failed registration; then FAILED_PRECONDITION with its error.
  // (A later successful report makes it OK again.)
  Status Health() const;
  // Whether the kubelet has reported a successful registration.
  bool registered() const;

 private:
  const RegistrationOptions options_;
  mutable std::mutex mu_;
  std::optional<::pluginregistration::RegistrationStatus> last_;  // guarded by mu_
};

}  // namespace curve::csi
