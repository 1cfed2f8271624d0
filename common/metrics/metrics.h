#pragma once

#include <memory>
#include <string>

#include <prometheus/registry.h>

#include "common/result.h"

namespace prometheus {
class Exposer;
}

namespace curve::metrics {

// The process-wide registry every component registers its metric families on. Thread-safe.
std::shared_ptr<prometheus::Registry> DefaultRegistry();

// Serves a registry at http://<address>/metrics in the Prometheus text format, from its own
// threads, until destroyed. Every daemon starts one at its composition root.
class MetricsServer {
 public:
  // `address` is "host:port"; port 0 picks a free port (see port()). Fails with Unavailable
  // naming the address when it cannot bind.
  static Result<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, std::shared_ptr<prometheus::Registry> registry);
  ~MetricsServer();

  int port() const { return port_; }

 private:
  MetricsServer(std::unique_ptr<prometheus::Exposer> exposer, int port);

  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_;
};

// Publishes `curve_build_info{component="...",version="..."} 1` on the registry.
void RegisterBuildInfo(prometheus::Registry& registry, const std::string& component,
                       const std::string& version);

}  // namespace curve::metrics
