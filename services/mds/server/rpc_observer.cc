#include "services/mds/server/rpc_observer.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <map>
#include <mutex>

#include "common/logging.h"
#include "common/metrics/metrics.h"

namespace curve::mds {

struct RpcObserver::Metrics {
  prometheus::Family<prometheus::Counter>* total;
  prometheus::Family<prometheus::Histogram>* seconds;
};

RpcObserver::RpcObserver() : metrics_(std::make_unique<Metrics>()) {
  auto& registry = *metrics::DefaultRegistry();
  metrics_->total = &prometheus::BuildCounter()
                         .Name("curve_mds_rpc_total")
                         .Help("MDS RPCs by method and status code")
                         .Register(registry);
  metrics_->seconds = &prometheus::BuildHistogram()
                           .Name("curve_mds_rpc_seconds")
                           .Help("MDS RPC latency by method")
                           .Register(registry);
}

RpcObserver::~RpcObserver() = default;

void RpcObserver::Record(const std::string& method, const std::string& fields, const Status& status,
                         std::chrono::steady_clock::time_point start) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_->total->Add({{"method", method}, {"code", std::string(StatusCodeName(status.code()))}})
      .Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
  metrics_->seconds->Add({{"method", method}}, kBuckets).Observe(seconds);
  if (!status.ok() && status.code() != StatusCode::kUnavailable) {
    log::Get("mds")->warn("op={} {} err=\"{}\"", method, fields, status.ToString());
  } else if (!status.ok()) {
    log::Get("mds")->debug("op={} {} err=\"{}\"", method, fields, status.ToString());
  }
}

}  // namespace curve::mds
