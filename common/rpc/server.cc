#include "common/rpc/server.h"

#include <unistd.h>

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "common/rpc/shared_port_listener.h"
#include "common/signals.h"

namespace curve::rpc {

GrpcServer::GrpcServer(std::unique_ptr<grpc::Server> server, int port, ServerOptions options,
                       std::unique_ptr<SharedPortListener> listener)
    : server_(std::move(server)),
      port_(port),
      options_(std::move(options)),
      listener_(std::move(listener)) {}

GrpcServer::~GrpcServer() { Shutdown(); }

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(const ServerOptions& options,
                                                      const std::vector<grpc::Service*>& services) {
  grpc::ServerBuilder builder;
  int port = 0;
  std::unique_ptr<SharedPortListener> listener;
  std::shared_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor;
  if (options.raw_protocols.empty()) {
    builder.AddListeningPort(options.address, grpc::InsecureServerCredentials(), &port);
  } else {
    CURVE_ASSIGN_OR_RETURN(listener, SharedPortListener::Listen(options.address));
    port = listener->port();
    acceptor = builder.experimental().AddExternalConnectionAcceptor(
        grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
        grpc::InsecureServerCredentials());
  }
  // gRPC enables SO_REUSEPORT by default, which lets a second daemon silently share the port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return UnavailableError("gRPC server cannot listen on " + options.address +
                            ": address invalid or in use");
  }
  if (listener != nullptr) {
    listener->Start(options.raw_protocols, [acceptor, listen_fd = listener->fd()](int fd) {
      grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters connection;
      connection.listener_fd = listen_fd;
      connection.fd = fd;
      acceptor->HandleNewConnection(&connection);
    });
  }
  return std::unique_ptr<GrpcServer>(
      new GrpcServer(std::move(server), port, options, std::move(listener)));
}

void GrpcServer::Shutdown() {
  if (listener_ != nullptr) listener_->Stop();
  // grpc::Server::Shutdown is itself idempotent and thread-safe.
  server_->Shutdown(std::chrono::system_clock::now() + options_.shutdown_grace);
  server_->Wait();
}

int GrpcServer::RunUntilSignal() {
  int signal_number = WaitForTerminationSignal();
  Shutdown();
  return signal_number;
}

}  // namespace curve::rpc
