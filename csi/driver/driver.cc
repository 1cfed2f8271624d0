#include "csi/driver/driver.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/logging.h"
#include "common/rpc/server.h"
#include "csi/driver/controller_server.h"
#include "csi/driver/health_server.h"
#include "csi/driver/identity_server.h"
#include "csi/driver/mds_volume_backend.h"
#include "csi/driver/node_server.h"
#include "csi/driver/registration_server.h"
#include "csi/node/curve_attacher.h"
#include "csi/node/linux_mounter.h"
#include "csi/node/loop_file_attacher.h"
#include "services/attach/attach_cgroup.h"

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
  std::unique_ptr<RegistrationServer> registration;
  std::unique_ptr<rpc::GrpcServer> registration_server;
  std::string registration_socket;
  std::unique_ptr<HealthServer> health;
};

namespace {

// Makes the socket's directory and removes a stale socket file.
Status PrepareSocket(const std::string& socket) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(socket).parent_path(), ec);
  if (unlink(socket.c_str()) != 0 && errno != ENOENT) {
    return FailedPreconditionError("cannot remove stale socket " + socket + ": " +
                                   std::strerror(errno));
  }
  return Status::Ok();
}

// Liveness as the livenessprobe sidecar sees it: the CSI socket answers Probe.
HealthServer::Check ProbeCheck(const std::string& endpoint, RegistrationServer* registration) {
  return [endpoint, registration]() -> Status {
    if (registration != nullptr) CURVE_RETURN_IF_ERROR(registration->Health());
    // A fresh connection each time: a socket file that is gone must fail the probe.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
    ::csi::v1::ProbeRequest request;
    ::csi::v1::ProbeResponse response;
    grpc::Status status =
        ::csi::v1::Identity::NewStub(channel)->Probe(&context, request, &response);
    if (!status.ok()) {
      return UnavailableError("CSI Probe on " + endpoint + " failed: " + status.error_message());
    }
    if (response.has_ready() && !response.ready().value()) {
      return UnavailableError("CSI Probe on " + endpoint + " says not ready");
    }
    return Status::Ok();
  };
}

}  // namespace

Driver::Driver(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Driver::~Driver() {
  parts_->health.reset();
  if (parts_->registration_server) {
    parts_->registration_server->Shutdown();
    unlink(parts_->registration_socket.c_str());
  }
  if (parts_->server) parts_->server->Shutdown();
}

int Driver::healthz_port() const { return parts_->health ? parts_->health->port() : 0; }

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
    if (options.attacher == "curve") {
      CurveAttacherOptions attacher_options;
      attacher_options.mds = options.mds;
      attacher_options.volume_dir = options.volume_dir;
      attacher_options.runtime_dir = options.attach_dir;
      attacher_options.attachd_path = options.attachd_path;
      if (!options.attach_cgroup_root.empty()) {
        CURVE_ASSIGN_OR_RETURN(attacher_options.cgroups,
                               attach::PrepareCgroups(options.attach_cgroup_root, "curve-attach"));
      }
      auto attacher = std::make_unique<CurveAttacher>(attacher_options);
      if (!attacher_options.cgroups.empty()) {
        int adopted = attacher->AdoptDaemons();
        logger->info("op=Start attach_cgroups={} adopted_daemons={}",
                     attacher_options.cgroups.front() +
                         (attacher_options.cgroups.size() > 1 ? " (and each other hierarchy)" : ""),
                     adopted);
      }
      parts->attacher = std::move(attacher);
    } else {
      logger->warn(
          "op=Start attacher=loopfile msg=\"TEST/DEV ONLY: volume data lives in files "
          "under {}, not in CurveBS\"",
          options.loop_dir);
      parts->attacher = std::make_unique<LoopFileAttacher>(options.loop_dir);
    }
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
  CURVE_RETURN_IF_ERROR(PrepareSocket(socket));
  rpc::ServerOptions server_options;
  server_options.address = options.endpoint;
  CURVE_ASSIGN_OR_RETURN(parts->server, rpc::GrpcServer::Start(server_options, services));
  // Registration last: the kubelet dials the CSI socket as soon as GetInfo has answered.
  if (!options.registration_socket.empty()) {
    RegistrationOptions registration_options;
    registration_options.driver_name = options.driver_name;
    registration_options.csi_socket =
        options.kubelet_registration_path.empty() ? socket : options.kubelet_registration_path;
    parts->registration = std::make_unique<RegistrationServer>(registration_options);
    CURVE_RETURN_IF_ERROR(PrepareSocket(options.registration_socket));
    rpc::ServerOptions registration_server_options;
    registration_server_options.address = "unix://" + options.registration_socket;
    CURVE_ASSIGN_OR_RETURN(
        parts->registration_server,
        rpc::GrpcServer::Start(registration_server_options, {parts->registration.get()}));
    parts->registration_socket = options.registration_socket;
    logger->info("op=Start registration_socket={} csi_socket={}", options.registration_socket,
                 registration_options.csi_socket);
  }
  if (!options.healthz_listen.empty()) {
    CURVE_ASSIGN_OR_RETURN(
        parts->health,
        HealthServer::Start(options.healthz_listen,
                            ProbeCheck(options.endpoint, parts->registration.get())));
    logger->info("op=Start healthz=http://{}/healthz port={}", options.healthz_listen,
                 parts->health->port());
  }
  logger->info("op=Start endpoint={} mode={} driver={} attacher={}", options.endpoint,
               options.mode == Mode::kAll    ? "all"
               : options.mode == Mode::kNode ? "node"
                                             : "controller",
               options.driver_name, options.attacher);
  return std::unique_ptr<Driver>(new Driver(std::move(parts)));
}

void Driver::RunUntilSignal() { parts_->server->RunUntilSignal(); }

}  // namespace curve::csi
