#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace curve::mds {

// Counts and times every RPC (curve_mds_rpc_total{method,code}, curve_mds_rpc_seconds{method})
// and logs failures once, as `op=<method> <fields> err=<status>`. Thread-safe.
class RpcObserver {
 public:
  RpcObserver();
  ~RpcObserver();
  void Record(const std::string& method, const std::string& fields, const Status& status,
              std::chrono::steady_clock::time_point start);

 private:
  struct Metrics;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace curve::mds
