// A daemon-shaped echo server for tests of graceful shutdown: blocks SIGTERM/SIGINT, starts a
// GrpcServer on a free loopback port, prints "port <n>" and "call <message>" for each call it
// receives, and serves until a signal arrives.
#include <iostream>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "common/rpc/server.h"
#include "common/signals.h"
#include "proto/testing/echo.grpc.pb.h"

namespace {

class SlowEcho final : public curve::testing::Echo::Service {
  grpc::Status Echo(grpc::ServerContext*, const curve::testing::EchoRequest* request,
                    curve::testing::EchoResponse* response) override {
    std::cout << "call " << request->message() << std::endl;
    std::this_thread::sleep_for(std::chrono::milliseconds(request->delay_ms()));
    response->set_message(request->message());
    return grpc::Status::OK;
  }
};

}  // namespace

int main() {
  curve::BlockTerminationSignals();
  SlowEcho service;
  auto server = curve::rpc::GrpcServer::Start(curve::rpc::ServerOptions{}, {&service});
  if (!server.ok()) {
    std::cerr << server.status() << std::endl;
    return 1;
  }
  std::cout << "port " << (*server)->port() << std::endl;
  int signal_number = (*server)->RunUntilSignal();
  std::cout << "stopped by signal " << signal_number << std::endl;
  return 0;
}
