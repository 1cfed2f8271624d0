#pragma once

// SharedPortListener: one listening port for gRPC and other protocols (RawProtocol, server.h).
// It accepts every connection itself and looks at its first bytes without consuming them: a
// connection that starts with a raw protocol's preamble goes to that protocol (preamble read),
// any other, HTTP/2 above all, to gRPC through its external connection acceptor. A connection
// that sends nothing within the sniff timeout, or closes first (a TCP probe), is closed.
//
// Thread-safety: Start and Stop from one thread; the handlers run on the listener's thread and
// must not block.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/rpc/server.h"

namespace curve::rpc {

class SharedPortListener {
 public:
  using Handler = std::function<void(int fd)>;

  // Binds and listens on `address` ("host:port", "[v6]:port"; port 0 picks one). Connections
  // wait until Start. Unavailable naming the address when it cannot listen.
  static Result<std::unique_ptr<SharedPortListener>> Listen(const std::string& address);
  ~SharedPortListener();  // Stop

  int port() const { return port_; }
  int fd() const { return listen_fd_; }

  // Starts accepting: `grpc` takes the connections no raw protocol claims (set non-blocking).
  void Start(std::vector<RawProtocol> protocols, Handler grpc,
             std::chrono::milliseconds sniff_timeout = std::chrono::seconds(10));
  // Stops accepting and closes the listening socket and the connections not handed over yet.
  void Stop();

 private:
  SharedPortListener(int listen_fd, int wake_fd, int port);
  void Run(std::vector<RawProtocol> protocols, Handler grpc,
           std::chrono::milliseconds sniff_timeout);

  int listen_fd_;
  int wake_fd_;  // an eventfd that ends Run
  int port_;
  std::thread thread_;
};

}  // namespace curve::rpc
