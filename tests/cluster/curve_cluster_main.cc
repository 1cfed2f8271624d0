// curve-cluster: starts a LocalCluster (etcd, 3 MDS, chunkservers in 3 zones on loopback),
// prints "READY mds=<a,b,c> dir=<dir>" and keeps it running until SIGTERM/SIGINT, then tears
// everything down. Flags: --chunkservers=N --poolsets=ssd,hdd --chunk-size=BYTES
// --segment-size=BYTES --chunks-per-disk=N --copysets=N --sync=true|false.
#include <csignal>
#include <iostream>
#include <sstream>

#include "common/config.h"
#include "common/signals.h"
#include "tests/cluster/local_cluster.h"

int main(int argc, char** argv) {
  curve::BlockTerminationSignals();
  auto cl = curve::config::ParseCommandLine(argc, argv);
  if (!cl.ok()) {
    std::cerr << "curve-cluster: " << cl.status() << std::endl;
    return 2;
  }
  curve::testing::LocalClusterOptions options;
  auto num = [&](const char* flag, uint64_t fallback) {
    auto v = cl->Flag(flag);
    return v ? std::stoull(*v) : fallback;
  };
  options.chunkservers = static_cast<int>(num("chunkservers", 3));
  options.chunk_size = num("chunk-size", options.chunk_size);
  options.segment_size = num("segment-size", options.segment_size);
  options.chunks_per_disk = num("chunks-per-disk", options.chunks_per_disk);
  options.copysets_per_chunkserver = static_cast<int>(num("copysets", 4));
  options.raft_sync = cl->Flag("sync").value_or("true") != "false";
  if (auto poolsets = cl->Flag("poolsets")) {
    options.poolsets.clear();
    std::stringstream in(*poolsets);
    for (std::string p; std::getline(in, p, ',');) options.poolsets.push_back(p);
  }
  auto cluster = curve::testing::LocalCluster::Start(options);
  if (!cluster.ok()) {
    std::cerr << "curve-cluster: " << cluster.status() << std::endl;
    return 1;
  }
  std::cout << "READY mds=" << (*cluster)->mds_addresses() << " dir=" << (*cluster)->dir()
            << std::endl;
  curve::WaitForTerminationSignal();
  return 0;
}
