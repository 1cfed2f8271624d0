#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace curve::rpc {

struct ServerOptions {
  std::string address = "127.0.0.1:0";  // port 0 picks a free port
  int max_message_bytes = 64 << 20;
  std::chrono::milliseconds shutdown_grace{5000};  // in-flight calls get this long to finish
};

// A started gRPC server. Services are not owned and must outlive it.
class GrpcServer {
 public:
  // Fails with Unavailable naming the address when it cannot listen.
  static Result<std::unique_ptr<GrpcServer>> Start(const ServerOptions& options,
                                                   const std::vector<grpc::Service*>& services);
  ~GrpcServer();  // shuts down if still running

  int port() const { return port_; }

  // Stops accepting calls and waits up to the grace period for in-flight ones, then cancels the
  // rest. Idempotent and thread-safe.
  void Shutdown();

  // The composition root's last call: SIGTERM/SIGINT must already be blocked (see
  // common/signals.h); waits for one, then shuts down gracefully. Returns the signal number.
  int RunUntilSignal();

 private:
  GrpcServer(std::unique_ptr<grpc::Server> server, int port, ServerOptions options);

  std::unique_ptr<grpc::Server> server_;
  int port_;
  ServerOptions options_;
};

}  // namespace curve::rpc
