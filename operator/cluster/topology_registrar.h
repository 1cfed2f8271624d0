#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "proto/mds/topology.pb.h"

namespace curve::op {

// The MDS calls the reconcile makes. Implementations are thread-safe.
class TopologyRegistrar {
 public:
  virtual ~TopologyRegistrar() = default;
  // Declares the cluster map (idempotent on the MDS side); returns the changes it made.
  virtual Result<std::vector<std::string>> Apply(const mds::ApplyTopologyRequest& request) = 0;
  virtual Result<mds::GetClusterHealthResponse> Health() = 0;
};

// Over gRPC with curve_mds_client (leader-following failover) to `addresses` ("h:p,h:p").
Result<std::unique_ptr<TopologyRegistrar>> MakeGrpcTopologyRegistrar(const std::string& addresses);

}  // namespace curve::op
