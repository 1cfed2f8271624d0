#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "proto/csi/csi.grpc.pb.h"

namespace curve::csi {

struct IdentityOptions {
  std::string driver_name = "curve.csi.netease.com";
  std::string vendor_version = "0.1.0";
  bool controller = true;  // advertise CONTROLLER_SERVICE (controller or all mode)
};

// The CSI Identity service. `probe` checks what the plugin depends on (the MDS in controller
// mode); its error makes Probe answer FAILED_PRECONDITION naming the cause. Thread-safe.
class IdentityServer final : public ::csi::v1::Identity::Service {
 public:
  IdentityServer(IdentityOptions options, std::function<Status()> probe);

  grpc::Status GetPluginInfo(grpc::ServerContext* context,
                             const ::csi::v1::GetPluginInfoRequest* request,
                             ::csi::v1::GetPluginInfoResponse* response) override;
  grpc::Status GetPluginCapabilities(grpc::ServerContext* context,
                                     const ::csi::v1::GetPluginCapabilitiesRequest* request,
                                     ::csi::v1::GetPluginCapabilitiesResponse* response) override;
  grpc::Status Probe(grpc::ServerContext* context, const ::csi::v1::ProbeRequest* request,
                     ::csi::v1::ProbeResponse* response) override;

 private:
  IdentityOptions options_;
  std::function<Status()> probe_;
};

}  // namespace curve::csi
