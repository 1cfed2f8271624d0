#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/testing/subprocess.h"

namespace curve::mds::testing {

struct MdsProcessOptions {
  std::string binary;         // path of curve-mds
  std::string etcd_endpoint;  // host:port of the etcd all replicas share
  std::string log_path;       // the process's stderr
  std::chrono::milliseconds election_ttl{std::chrono::seconds(2)};
  std::chrono::milliseconds tick_interval{std::chrono::milliseconds(200)};
  // More `--key=value` flags (e.g. "--topology.offlineTimeout=1s"); later flags win.
  std::vector<std::string> extra_flags;
};

// One real curve-mds process on free loopback ports, for multi-process tests and benchmarks.
// Start() returns once the process prints its address (it serves gRPC then; whether it leads
// is up to the election). The destructor kills it (SIGKILL) if still running.
class MdsProcess {
 public:
  static Result<std::unique_ptr<MdsProcess>> Start(const MdsProcessOptions& options);

  // host:port clients reach.
  const std::string& address() const { return address_; }
  // Sends `signal` and waits for the exit; returns the wait status.
  int Kill(int signal) { return process_.Kill(signal); }
  bool running() { return process_.running(); }

 private:
  MdsProcess(curve::testing::Subprocess process, std::string address)
      : process_(std::move(process)), address_(std::move(address)) {}

  curve::testing::Subprocess process_;
  std::string address_;
};

// The curve-mds binary: $CURVE_MDS_BIN, else `curve-mds` beside the running executable, else
// `fallback`.
std::string FindMdsBinary(const std::string& fallback);

}  // namespace curve::mds::testing
