#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/result.h"

namespace curve::csi {

// A minimal HTTP/1.0 server for a kubelet liveness probe: GET /healthz answers 200 "ok" when
// `check` returns OK and 503 with the status message otherwise; any other path is 404. One
// request per connection, served one at a time by its own thread (checks are quick and probes
// rare); a client that sends nothing for 5 s is dropped. Stops when destroyed.
class HealthServer {
 public:
  using Check = std::function<Status()>;

  // `address` is "host:port" ("0.0.0.0:9808", port 0 picks a free one); UNAVAILABLE naming the
  // address when it cannot listen.
  static Result<std::unique_ptr<HealthServer>> Start(const std::string& address, Check check);
  ~HealthServer();

  int port() const { return port_; }

 private:
  HealthServer(int fd, int port, Check check);
  void Serve();
  void Answer(int client);

  const int fd_;
  const int port_;
  const Check check_;
  int wake_[2] = {-1, -1};  // a pipe: written to stop Serve
  std::thread thread_;
};

}  // namespace curve::csi
