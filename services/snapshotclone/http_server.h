#pragma once

// HttpServer: the HTTP front of the service over cpprestsdk's http_listener. GET
// /SnapshotCloneService?... is parsed into a Query (keys and values URL-decoded) and answered
// with the handler's Answer as application/json; other paths answer 404, other methods 405.
// cpprest stays inside http_server.cc.

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "services/snapshotclone/request.h"
#include "services/snapshotclone/service.h"

namespace curve::snapshotclone {

class HttpServer {
 public:
  using Handler = std::function<Answer(const Query&)>;

  // Listens on `address` (host:port; port 0 is not supported by cpprest: pick one). UNAVAILABLE
  // naming the address when it cannot listen.
  static Result<std::unique_ptr<HttpServer>> Start(const std::string& address, Handler handler);
  ~HttpServer();  // Stop

  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace curve::snapshotclone
