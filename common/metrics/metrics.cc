#include "common/metrics/metrics.h"

#include <exception>

#include <prometheus/exposer.h>
#include <prometheus/gauge.h>

namespace curve::metrics {

std::shared_ptr<prometheus::Registry> DefaultRegistry() {
  static auto* registry =
      new std::shared_ptr<prometheus::Registry>(std::make_shared<prometheus::Registry>());
  return *registry;
}

MetricsServer::MetricsServer(std::unique_ptr<prometheus::Exposer> exposer, int port)
    : exposer_(std::move(exposer)), port_(port) {}

MetricsServer::~MetricsServer() = default;

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return UnavailableError("metrics server cannot listen on " + address + ": " + e.what());
  }
  exposer->RegisterCollectable(registry);
  std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty()) {
    return UnavailableError("metrics server on " + address + " reports no listening port");
  }
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(exposer), ports.front()));
}

void RegisterBuildInfo(prometheus::Registry& registry, const std::string& component,
                       const std::string& version) {
  auto& family = prometheus::BuildGauge()
                     .Name("curve_build_info")
                     .Help("Build information of this Curve component; the value is always 1.")
                     .Register(registry);
  family.Add({{"component", component}, {"version", version}}).Set(1);
}

}  // namespace curve::metrics
