#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "proto/mds/topology.pb.h"

namespace curve::etcd {
class EtcdClient;
}

namespace curve::mds {

struct VersionedTopology {
  Topology topology;
  int64_t version = 0;  // 0: nothing stored yet
};

// Durable storage of the topology document. Thread-safe.
class TopologyStore {
 public:
  virtual ~TopologyStore() = default;
  // The stored topology and its version (an empty topology with version 0 when none).
  // UNAVAILABLE when the backend cannot be reached.
  virtual Result<VersionedTopology> Load() = 0;
  // Replaces the document when its version is still `expected_version` (0: none stored) and
  // returns the new version; ABORTED when someone else wrote in between (nothing is written).
  virtual Result<int64_t> Save(const Topology& topology, int64_t expected_version) = 0;
};

// The topology as one etcd key, <prefix>topology, versioned by its mod revision.
class EtcdTopologyStore final : public TopologyStore {
 public:
  EtcdTopologyStore(etcd::EtcdClient& client, std::string prefix);
  Result<VersionedTopology> Load() override;
  Result<int64_t> Save(const Topology& topology, int64_t expected_version) override;

 private:
  etcd::EtcdClient& client_;
  std::string key_;
};

// In memory, for unit tests.
class FakeTopologyStore final : public TopologyStore {
 public:
  Result<VersionedTopology> Load() override {
    std::lock_guard lock(mu_);
    return stored_;
  }
  Result<int64_t> Save(const Topology& topology, int64_t expected_version) override {
    std::lock_guard lock(mu_);
    if (stored_.version != expected_version) return AbortedError("topology changed");
    stored_.topology = topology;
    return ++stored_.version;
  }

 private:
  std::mutex mu_;
  VersionedTopology stored_;
};

}  // namespace curve::mds
