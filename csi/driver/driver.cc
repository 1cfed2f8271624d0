#include "csi/driver/driver.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>

#include "common/logging.h"
#include "common/rpc/server.h"
#include "csi/driver/controller_server.h"
#include "csi/driver/identity_server.h"
#include "csi/driver/mds_volume_backend.h"
#include "csi/driver/node_server.h"
#include "csi/node/linux_mounter.h"
#include "csi/node/loop_file_attacher.h"

namespace curve::csi {

struct Driver::Parts {
  std::unique_ptr<MdsVolumeBackend> backend;
  std::unique_ptr<ControllerServer> controller;
  std::unique_ptr<Attacher> attacher;
  std::unique_ptr<Mounter> mounter;
  std::unique_ptr<StageStore> store;
  std::unique_ptr<NodeServer> node;
  std::unique_ptr<IdentityServer> identity;
  std::unique_ptr<rpc::GrpcServer> server;
};

Driver::Driver(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Driver::~Driver() {
  if (parts_->server) parts_->server->Shutdown();
}

Result<std::unique_ptr<Driver>> Driver::Start(const DriverOptions& options) {
  auto parts = std::make_unique<Parts>();
  auto logger = curve::log::Get("csi");
  std::vector<grpc::Service*> services;
  if (options.mode != Mode::kNode) {
    MdsBackendOptions backend_options;
    backend_options.addresses = options.mds;
    backend_options.volume_dir = options.volume_dir;
    CURVE_ASSIGN_OR_RETURN(parts->backend, MdsVolumeBackend::Create(backend_options));
    ControllerOptions controller_options;
    controller_options.bounds.min_bytes = options.min_volume_size;
    controller_options.bounds.max_bytes = options.max_volume_size;
    parts->controller = std::make_unique<ControllerServer>(*parts->backend, controller_options);
    services.push_back(parts->controller.get());
  }
  if (options.mode != Mode::kController) {
    parts->attacher = std::make_unique<LoopFileAttacher>(options.loop_dir);
    parts->mounter = std::make_unique<LinuxMounter>();
    parts->store = std::make_unique<StageStore>(options.state_dir);
    NodeOptions node_options;
    node_options.node_id = options.node_id;
    node_options.zone = options.zone;
    node_options.default_fs_type = options.default_fs_type;
    parts->node = std::make_unique<NodeServer>(node_options, *parts->attacher, *parts->mounter,
                                               *parts->store);
    int restored = parts->node->RestoreStaged();
    logger->info("op=Start restored_staged_volumes={}", restored);
    services.push_back(parts->node.get());
  }
  IdentityOptions identity_options;
  identity_options.driver_name = options.driver_name;
  identity_options.controller = options.mode != Mode::kNode;
  MdsVolumeBackend* backend = parts->backend.get();
  parts->identity = std::make_unique<IdentityServer>(
      identity_options, [backend] { return backend != nullptr ? backend->Ping() : Status::Ok(); });
  services.push_back(parts->identity.get());

  std::string socket = options.endpoint.substr(std::string("unix://").size());
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(socket).parent_path(), ec);
  if (unlink(socket.c_str()) != 0 && errno != ENOENT) {
    return FailedPreconditionError("cannot remove stale socket " + socket);
  }
  rpc::ServerOptions server_options;
  server_options.address = options.endpoint;
  CURVE_ASSIGN_OR_RETURN(parts->server, rpc::GrpcServer::Start(server_options, services));
  logger->info("op=Start endpoint={} mode={} driver={}", options.endpoint,
               options.mode == Mode::kAll    ? "all"
               : options.mode == Mode::kNode ? "node"
                                             : "controller",
               options.driver_name);
  return std::unique_ptr<Driver>(new Driver(std::move(parts)));
}

void Driver::RunUntilSignal() { parts_->server->RunUntilSignal(); }

}  // namespace curve::csi
