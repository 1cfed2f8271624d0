#include "services/snapshotclone/snapshotclone_server.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/etcd/election.h"
#include "common/etcd/etcd_client.h"
#include "common/etcd/lease_keeper.h"
#include "common/logging.h"
#include "common/metrics/metrics.h"
#include "common/signals.h"
#include "services/snapshotclone/clone_worker.h"
#include "services/snapshotclone/curve_snapshot_source.h"
#include "services/snapshotclone/http_server.h"
#include "services/snapshotclone/service.h"
#include "services/snapshotclone/snapshot_worker.h"
#include "services/snapshotclone/task_runner.h"
#include "services/snapshotclone/task_store.h"

namespace curve::snapshotclone {

struct SnapshotCloneServer::Impl {
  SnapshotCloneOptions options;
  std::unique_ptr<etcd::EtcdClient> etcd;
  std::unique_ptr<TaskStore> store;
  std::unique_ptr<CurveSnapshotSource> source;
  std::unique_ptr<s3::ObjectStore> objects;
  std::unique_ptr<SnapshotWorker> snapshot_worker;
  std::unique_ptr<CloneWorker> clone_worker;
  std::unique_ptr<TaskRunner> runner;
  std::unique_ptr<SnapshotCloneService> service;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<metrics::MetricsServer> metrics;
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Gauge* leader_gauge = nullptr;
  std::thread election_thread;
  std::atomic<bool> leading{false};
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;

  bool Stopping() {
    std::lock_guard lock(mu);
    return stopping;
  }
  void WaitFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, d, [&] { return stopping; });
  }
  void ElectionLoop();
};

void SnapshotCloneServer::Impl::ElectionLoop() {
  auto logger = log::Get("snapshotclone");
  auto ttl = std::chrono::duration_cast<std::chrono::seconds>(options.election_ttl);
  while (!Stopping()) {
    auto lease = etcd::LeaseKeeper::Start(*etcd, ttl, [logger](const Status& status) {
      logger->warn("op=LeaseLost err=\"{}\"", status.ToString());
    });
    if (!lease.ok()) {
      logger->warn("op=Campaign err=\"{}\"", lease.status().ToString());
      WaitFor(std::chrono::milliseconds(500));
      continue;
    }
    etcd::Election election(*etcd, options.prefix + "leader/");
    Status status = UnavailableError("not campaigned");
    while (!Stopping() && !(*lease)->lost()) {
      status = election.Campaign(**lease, options.listen, std::chrono::milliseconds(500));
      if (status.ok()) break;
    }
    if (status.ok() && !Stopping() && !(*lease)->lost()) {
      logger->info("op=BecomeLeader address={}", options.listen);
      leading = true;
      leader_gauge->Set(1);
      runner->Start();
      while (!Stopping() && !(*lease)->WaitLost(std::chrono::milliseconds(200))) {
      }
      runner->Stop();
      leading = false;
      leader_gauge->Set(0);
      logger->info("op=StepDown address={}", options.listen);
    }
    election.Resign().IgnoreError();
  }
}

SnapshotCloneServer::SnapshotCloneServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<SnapshotCloneServer>> SnapshotCloneServer::Start(
    const SnapshotCloneOptions& options) {
  auto impl = std::make_unique<Impl>();
  Impl& s = *impl;
  s.options = options;
  CURVE_ASSIGN_OR_RETURN(s.etcd, etcd::EtcdClient::Create(options.etcd));
  s.store = std::make_unique<TaskStore>(*s.etcd, options.prefix);
  CurveSourceOptions source_options;
  source_options.mds_addresses = options.mds_addresses;
  CURVE_ASSIGN_OR_RETURN(s.source, CurveSnapshotSource::Create(source_options));
  CURVE_ASSIGN_OR_RETURN(s.objects, s3::NewS3ObjectStore(options.s3));
  s.snapshot_worker =
      std::make_unique<SnapshotWorker>(*s.store, *s.source, *s.objects, options.worker);
  s.clone_worker = std::make_unique<CloneWorker>(*s.store, *s.source, *s.objects, options.worker);
  s.runner =
      std::make_unique<TaskRunner>(*s.store, *s.snapshot_worker, *s.clone_worker, options.runner);
  TaskRunner* runner = s.runner.get();
  s.service =
      std::make_unique<SnapshotCloneService>(*s.store, *s.source, [runner] { runner->Poke(); });

  auto registry = metrics::DefaultRegistry();
  metrics::RegisterBuildInfo(*registry, "snapshotclone", "0.1.0");
  s.requests = &prometheus::BuildCounter()
                    .Name("curve_snapshotclone_requests_total")
                    .Help("HTTP API requests by answer code")
                    .Register(*registry);
  s.leader_gauge = &prometheus::BuildGauge()
                        .Name("curve_snapshotclone_leader")
                        .Help("1 while this replica leads and runs the workers")
                        .Register(*registry)
                        .Add({});
  CURVE_ASSIGN_OR_RETURN(s.metrics,
                         metrics::MetricsServer::Start(options.MetricsAddress(), registry));
  Impl* raw = impl.get();
  CURVE_ASSIGN_OR_RETURN(
      s.http, HttpServer::Start(options.listen, [raw](const Query& query) {
        Answer answer = raw->service->Handle(query);
        raw->requests->Add({{"http_status", std::to_string(answer.http_status)}}).Increment();
        return answer;
      }));
  s.election_thread = std::thread([raw] { raw->ElectionLoop(); });
  log::Get("snapshotclone")
      ->info("op=Start address={} metrics_port={} prefix={} bucket={}", options.listen,
             s.metrics->port(), options.prefix, options.s3.bucket);
  return std::unique_ptr<SnapshotCloneServer>(new SnapshotCloneServer(std::move(impl)));
}

SnapshotCloneServer::~SnapshotCloneServer() { Stop(); }

const std::string& SnapshotCloneServer::address() const { return impl_->options.listen; }
int SnapshotCloneServer::metrics_port() const { return impl_->metrics->port(); }
bool SnapshotCloneServer::leading() const { return impl_->leading.load(); }

int SnapshotCloneServer::RunUntilSignal() {
  int signal = WaitForTerminationSignal();
  log::Get("snapshotclone")->info("op=Stop signal={}", signal);
  Stop();
  return signal;
}

void SnapshotCloneServer::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->http->Stop();
  if (impl_->election_thread.joinable()) impl_->election_thread.join();
  impl_->runner->Stop();
}

}  // namespace curve::snapshotclone
