#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace curve::rpc {

class SharedPortListener;

// A protocol served on the gRPC server's port beside gRPC (shared_port_listener.h): a connection
// whose first bytes are `preamble` is handed to `accept`, preamble read, which then owns the
// blocking socket. Runs on the listener's thread: must not block.
struct RawProtocol {
  std::string preamble;
  std::function<void(int fd)> accept;
};

struct ServerOptions {
  std::string address = "127.0.0.1:0";  // port 0 picks a free port
  int max_message_bytes = 64 << 20;
  std::chrono::milliseconds shutdown_grace{5000};  // in-flight calls get this long to finish
  std::vector<RawProtocol> raw_protocols;          // none: gRPC listens by itself
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
  GrpcServer(std::unique_ptr<grpc::Server> server, int port, ServerOptions options,
             std::unique_ptr<SharedPortListener> listener);

  std::unique_ptr<grpc::Server> server_;
  int port_;
  ServerOptions options_;
  std::unique_ptr<SharedPortListener> listener_;  // with raw protocols
};

}  // namespace curve::rpc
