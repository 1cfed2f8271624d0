#include "csi/driver/registration_server.h"

#include "common/logging.h"

namespace curve::csi {

namespace reg = ::pluginregistration;

grpc::Status RegistrationServer::GetInfo(grpc::ServerContext*, const reg::InfoRequest*,
                                         reg::PluginInfo* response) {
  response->set_type("CSIPlugin");
  response->set_name(options_.driver_name);
  response->set_endpoint(options_.csi_socket);
  response->add_supported_versions("1.0.0");
  log::Get("csi")->info("op=RegistrationGetInfo driver={} endpoint={}", options_.driver_name,
                        options_.csi_socket);
  return grpc::Status::OK;
}

grpc::Status RegistrationServer::NotifyRegistrationStatus(grpc::ServerContext*,
                                                          const reg::RegistrationStatus* request,
                                                          reg::RegistrationStatusResponse*) {
  {
    std::lock_guard lock(mu_);
    last_ = *request;
  }
  if (request->plugin_registered()) {
    log::Get("csi")->info("op=RegistrationStatus driver={} registered=true", options_.driver_name);
  } else {
    log::Get("csi")->error("op=RegistrationStatus driver={} registered=false err=\"{}\"",
                           options_.driver_name, request->error());
  }
  return grpc::Status::OK;
}

Status RegistrationServer::Health() const {
  std::lock_guard lock(mu_);
  if (last_ && !last_->plugin_registered()) {
    return FailedPreconditionError("the kubelet refused the registration of " +
                                   options_.driver_name + ": " + last_->error());
  }
  return Status::Ok();
}

bool RegistrationServer::registered() const {
  std::lock_guard lock(mu_);
  return last_ && last_->plugin_registered();
}

}  // namespace curve::csi
