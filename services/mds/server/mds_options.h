#pragma once

#include <chrono>
#include <string>

#include "common/config.h"
#include "common/etcd/types.h"
#include "services/mds/namespace/namespace_manager.h"
#include "services/mds/topology/topology_manager.h"

namespace curve::mds {

// Everything curve-mds is configured with; one YAML file (--config) plus flags overriding keys
// (e.g. --listen=127.0.0.1:0 --etcd.endpoints=a,b).
struct MdsOptions {
  std::string listen = "127.0.0.1:6700";  // port 0 picks a free port
  std::string advertise;                  // the address clients reach; default: listen's
  std::string metrics_listen = "127.0.0.1:7700";
  std::string prefix = "/curve/mds/";  // etcd key prefix of all MDS state
  std::chrono::milliseconds election_ttl{std::chrono::seconds(5)};
  std::chrono::milliseconds tick_interval{std::chrono::seconds(1)};
  etcd::EtcdOptions etcd;
  TopologyOptions topology;
  NamespaceOptions names;

  // Keys: listen, advertise, metricsListen, prefix, electionTtl, tickInterval, etcd.*,
  // topology.{offlineTimeout, copysetsPerChunkserver, poolSettle, replaceAfter,
  // orderTimeout, maxConcurrentChanges, maxRebalanceChanges (0: no rebalancing),
  // copysetImbalance}, namespace.{minVolumeSize, maxVolumeSize, segmentSize,
  // chunkSize, poolUsageLimit, sessionTtl, recycleRetention (0: keep forever)}.
  Status Load(config::ConfigSource& source);
};

}  // namespace curve::mds
