#include "csi/driver/identity_server.h"

#include "csi/driver/rpc_boundary.h"

namespace curve::csi {

namespace v1 = ::csi::v1;
using Clock = std::chrono::steady_clock;

IdentityServer::IdentityServer(IdentityOptions options, std::function<Status()> probe)
    : options_(std::move(options)), probe_(std::move(probe)) {}

grpc::Status IdentityServer::GetPluginInfo(grpc::ServerContext*,
                                           const v1::GetPluginInfoRequest* request,
                                           v1::GetPluginInfoResponse* response) {
  response->set_name(options_.driver_name);
  response->set_vendor_version(options_.vendor_version);
  return FinishCall("GetPluginInfo", *request, Status::Ok(), Clock::now());
}

grpc::Status IdentityServer::GetPluginCapabilities(grpc::ServerContext*,
                                                   const v1::GetPluginCapabilitiesRequest* request,
                                                   v1::GetPluginCapabilitiesResponse* response) {
  if (options_.controller) {
    response->add_capabilities()->mutable_service()->set_type(
        v1::PluginCapability::Service::CONTROLLER_SERVICE);
  }
  response->add_capabilities()->mutable_volume_expansion()->set_type(
      v1::PluginCapability::VolumeExpansion::ONLINE);
  return FinishCall("GetPluginCapabilities", *request, Status::Ok(), Clock::now());
}

grpc::Status IdentityServer::Probe(grpc::ServerContext*, const v1::ProbeRequest* request,
                                   v1::ProbeResponse* response) {
  auto started = Clock::now();
  Status status = probe_ ? probe_() : Status::Ok();
  if (!status.ok()) status = FailedPreconditionError("not ready: " + status.message());
  response->mutable_ready()->set_value(status.ok());
  return FinishCall("Probe", *request, status, started);
}

}  // namespace curve::csi
