#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "operator/k8s/kube_client.h"

namespace curve::mds {
class MdsClient;
class HeartbeatResponse;
}  // namespace curve::mds

namespace curve::op::testing {

// Chunkservers for the chunkserver pods kwok runs (kwok pods run no process): every pod of
// namespace `ns` labelled app.kubernetes.io/component=chunkserver whose Ready condition is True
// registers with the MDS (host and port from its --listen, disk path from --dataDir, disk type
// from --diskType, 1 TiB) and heartbeats every `interval` while its pod stays Ready. Copysets
// behave as raft would settle them: one shared truth per copyset (members, leader, term,
// epoch) created by the MDS's CreateCopysetOrder with the first peer leading; REPLACE_PEER and
// TRANSFER_LEADER orders take effect at once (epoch / term + 1; the added member hosts the
// replica from then on); a NotMemberNotice drops the replica. So the MDS health summary turns
// healthy when real chunkservers would have created their copysets, not before. Runs one
// background thread until destroyed.
class FakeChunkservers {
 public:
  static Result<std::unique_ptr<FakeChunkservers>> Start(
      k8s::KubeClient* client, std::string ns, const std::string& mds_address,
      std::chrono::milliseconds interval = std::chrono::milliseconds(500));
  ~FakeChunkservers();

  // Chunkservers registered so far.
  size_t registered() const;

 private:
  struct Chunkserver {
    uint32_t id = 0;
    std::string token;
    std::string last_error;                          // of registering, logged once
    std::set<std::pair<uint32_t, uint32_t>> hosted;  // (logical pool, copyset)
  };
  struct Copyset {
    std::vector<uint32_t> members;
    uint32_t leader = 0;
    uint64_t term = 1;
    uint64_t epoch = 0;
  };

  FakeChunkservers(k8s::KubeClient* client, std::string ns, std::chrono::milliseconds interval,
                   std::unique_ptr<mds::MdsClient> mds);
  void Loop(std::stop_token stop);
  // One round: registers newly Ready pods, heartbeats every Ready one.
  void Round();
  void Apply(Chunkserver& cs, const mds::HeartbeatResponse& response);

  k8s::KubeClient* const client_;
  const std::string ns_;
  const std::chrono::milliseconds interval_;
  std::unique_ptr<mds::MdsClient> mds_;
  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  std::map<std::string, Chunkserver> chunkservers_;  // by "host:port"; loop thread only
  std::map<uint32_t, Chunkserver*> by_id_;           // into chunkservers_; loop thread only
  std::map<std::pair<uint32_t, uint32_t>, Copyset> copysets_;  // loop thread only
  size_t registered_ = 0;                                      // guarded by mu_
  std::jthread thread_;
};

}  // namespace curve::op::testing
