#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "services/mds/server/mds_options.h"

namespace curve::mds {

// The composition root of curve-mds: etcd client, stores, managers, gRPC services, metrics,
// leader election and the periodic tick. Every replica serves gRPC; only the elected leader
// answers (followers answer UNAVAILABLE naming the leader). Losing the etcd lease steps down
// and campaigns again. Not copyable; Stop() or destruction shuts everything down.
class MdsServer {
 public:
  static Result<std::unique_ptr<MdsServer>> Start(const MdsOptions& options);
  ~MdsServer();
  // The address clients use (host:actual port).
  std::string address() const;
  int metrics_port() const;
  // Waits for SIGTERM/SIGINT (blocked beforehand), then shuts down. Returns the signal.
  int RunUntilSignal();
  void Stop();

 private:
  struct Impl;
  explicit MdsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace curve::mds
