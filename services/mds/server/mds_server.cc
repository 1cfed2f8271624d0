#include "services/mds/server/mds_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <algorithm>
#include <condition_variable>
#include <thread>

#include "common/etcd/election.h"
#include "common/etcd/etcd_client.h"
#include "common/etcd/lease_keeper.h"
#include "common/logging.h"
#include "common/metrics/metrics.h"
#include "common/rpc/server.h"
#include "common/signals.h"
#include "services/mds/namespace/namespace_manager.h"
#include "services/mds/server/chunk_deleter.h"
#include "services/mds/server/leader_state.h"
#include "services/mds/server/rpc_observer.h"
#include "services/mds/server/services.h"
#include "services/mds/topology/topology_manager.h"

namespace curve::mds {
namespace {

// Chunks of purged volumes deleted per tick at most, so a large purge does not stall the tick.
constexpr int kChunkDeletesPerTick = 256;

}  // namespace

struct MdsServer::Impl {
  MdsOptions options;
  SystemClock clock;
  std::unique_ptr<etcd::EtcdClient> etcd;
  std::unique_ptr<TopologyStore> topology_store;
  std::unique_ptr<NamespaceStore> namespace_store;
  std::unique_ptr<TopologyManager> topology;
  std::unique_ptr<NamespaceManager> names;
  LeaderState leader;
  RpcObserver observer;
  std::vector<std::unique_ptr<grpc::Service>> services;
  std::unique_ptr<rpc::GrpcServer> server;
  std::unique_ptr<metrics::MetricsServer> metrics;
  std::string address;
  std::unique_ptr<etcd::Election> watch_election;
  std::unique_ptr<etcd::Watcher> leader_watch;
  std::thread election_thread;
  std::thread tick_thread;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;

  bool WaitFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, d, [&] { return stopping; });
  }
  bool Stopping() {
    std::lock_guard lock(mu);
    return stopping;
  }
  void ElectionLoop();
  void TickLoop();
};

void MdsServer::Impl::ElectionLoop() {
  auto logger = log::Get("mds");
  auto ttl = std::chrono::duration_cast<std::chrono::seconds>(options.election_ttl);
  while (!Stopping()) {
    auto lease = etcd::LeaseKeeper::Start(*etcd, ttl, [this, logger](const Status& status) {
      leader.SetLeading(false);
      logger->warn("op=LeaseLost address={} err=\"{}\"", address, status.ToString());
    });
    if (!lease.ok()) {
      logger->warn("op=Campaign address={} err=\"{}\"", address, lease.status().ToString());
      WaitFor(std::chrono::milliseconds(500));
      continue;
    }
    etcd::Election election(*etcd, options.prefix + "leader/");
    Status status = UnavailableError("not campaigned");
    while (!Stopping() && !(*lease)->lost()) {
      status = election.Campaign(**lease, address, std::chrono::milliseconds(500));
      if (status.ok()) break;
    }
    while (status.ok() && !Stopping() && !(*lease)->lost()) {
      Status reloaded = topology->Reload();
      if (reloaded.ok()) break;
      logger->warn("op=Reload err=\"{}\"", reloaded.ToString());
      WaitFor(std::chrono::milliseconds(200));
    }
    if (status.ok() && !Stopping() && !(*lease)->lost()) {
      leader.SetLeader(address);
      leader.SetLeading(true);
      logger->info("op=BecomeLeader address={}", address);
      while (!Stopping() && !(*lease)->WaitLost(std::chrono::milliseconds(200))) {
      }
      leader.SetLeading(false);
      logger->info("op=StepDown address={}", address);
    }
    election.Resign().IgnoreError();
  }
}

void MdsServer::Impl::TickLoop() {
  auto logger = log::Get("mds");
  // The recycle bin is scanned a few times per retention period, at most once a minute.
  auto retention = options.names.recycle_retention;
  auto purge_every = std::clamp<std::chrono::milliseconds>(retention / 4, options.tick_interval,
                                                           std::chrono::minutes(1));
  auto last_purge = std::chrono::steady_clock::time_point();
  ChunkDeleter deleter(std::chrono::seconds(2));
  while (!WaitFor(options.tick_interval)) {
    if (!leader.leading()) continue;
    Status status = topology->Tick();
    if (!status.ok()) logger->warn("op=Tick err=\"{}\"", status.ToString());
    auto collected = names->CollectGarbage(
        [&](uint32_t pool, uint32_t copyset, uint64_t chunk) -> Status {
          CURVE_ASSIGN_OR_RETURN(std::string leader_address,
                                 topology->LeaderAddress({pool, copyset}));
          return deleter.Delete(leader_address, pool, copyset, chunk);
        },
        kChunkDeletesPerTick);
    if (!collected.ok()) {
      logger->warn("op=CollectGarbage err=\"{}\"", collected.status().ToString());
    } else if (*collected > 0) {
      logger->info("op=CollectGarbage chunks_deleted={}", *collected);
    }
    auto now = std::chrono::steady_clock::now();
    if (retention.count() > 0 && now - last_purge >= purge_every) {
      last_purge = now;
      auto purged = names->PurgeExpired();
      if (!purged.ok()) {
        logger->warn("op=PurgeRecycleBin err=\"{}\"", purged.status().ToString());
      } else if (*purged > 0) {
        logger->info("op=PurgeRecycleBin purged={}", *purged);
      }
    }
  }
}

MdsServer::MdsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<MdsServer>> MdsServer::Start(const MdsOptions& options) {
  auto impl = std::make_unique<Impl>();
  Impl& s = *impl;
  s.options = options;
  CURVE_ASSIGN_OR_RETURN(s.etcd, etcd::EtcdClient::Create(options.etcd));
  s.topology_store = std::make_unique<EtcdTopologyStore>(*s.etcd, options.prefix);
  s.namespace_store = std::make_unique<EtcdNamespaceStore>(*s.etcd, options.prefix);
  s.topology = std::make_unique<TopologyManager>(*s.topology_store, s.clock, options.topology);
  TopologyManager* topology = s.topology.get();
  s.names = std::make_unique<NamespaceManager>(
      *s.namespace_store,
      [topology](const std::string& poolset) { return topology->PoolsOf(poolset); }, s.clock,
      options.names);
  s.services.push_back(NewTopologyService(*s.topology, s.leader, s.observer));
  s.services.push_back(NewChunkServerRegistry(*s.topology, s.leader, s.observer));
  s.services.push_back(NewNamespaceService(*s.names, s.leader, s.observer));
  std::vector<grpc::Service*> raw;
  for (auto& service : s.services) raw.push_back(service.get());
  rpc::ServerOptions server_options;
  server_options.address = options.listen;
  server_options.shutdown_grace = std::chrono::milliseconds(1000);
  CURVE_ASSIGN_OR_RETURN(s.server, rpc::GrpcServer::Start(server_options, raw));
  if (!options.advertise.empty()) {
    s.address = options.advertise;
  } else {
    s.address = options.listen.substr(0, options.listen.rfind(':')) + ":" +
                std::to_string(s.server->port());
  }
  auto registry = metrics::DefaultRegistry();
  metrics::RegisterBuildInfo(*registry, "mds", "0.1.0");
  CURVE_ASSIGN_OR_RETURN(s.metrics,
                         metrics::MetricsServer::Start(options.metrics_listen, registry));
  s.watch_election = std::make_unique<etcd::Election>(*s.etcd, options.prefix + "leader/");
  Impl* raw_impl = impl.get();
  auto watch = s.watch_election->Observe([raw_impl](const std::optional<etcd::LeaderInfo>& info) {
    raw_impl->leader.SetLeader(info.has_value() ? info->value : "");
  });
  if (watch.ok()) {
    s.leader_watch = std::move(watch).value();
  } else {
    log::Get("mds")->warn("op=ObserveLeader err=\"{}\"", watch.status().ToString());
  }
  s.election_thread = std::thread([raw_impl] { raw_impl->ElectionLoop(); });
  s.tick_thread = std::thread([raw_impl] { raw_impl->TickLoop(); });
  log::Get("mds")->info("op=Start address={} metrics_port={} prefix={}", s.address,
                        s.metrics->port(), options.prefix);
  return std::unique_ptr<MdsServer>(new MdsServer(std::move(impl)));
}

MdsServer::~MdsServer() { Stop(); }

std::string MdsServer::address() const { return impl_->address; }
int MdsServer::metrics_port() const { return impl_->metrics->port(); }

int MdsServer::RunUntilSignal() {
  int signal = WaitForTerminationSignal();
  log::Get("mds")->info("op=Stop signal={}", signal);
  Stop();
  return signal;
}

void MdsServer::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->election_thread.joinable()) impl_->election_thread.join();
  if (impl_->tick_thread.joinable()) impl_->tick_thread.join();
  impl_->leader_watch.reset();
  impl_->server->Shutdown();
}

}  // namespace curve::mds
