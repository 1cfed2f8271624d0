#pragma once

#include <memory>

namespace grpc {
class Service;
}

namespace curve::mds {

class LeaderState;
class NamespaceManager;
class RpcObserver;
class TopologyManager;

// The gRPC services of the MDS. Every call first checks leadership (followers answer
// UNAVAILABLE naming the leader, also in the `curve-mds-leader` trailer), validates its input,
// and maps Status codes 1:1. The referenced objects must outlive the services.
std::unique_ptr<grpc::Service> NewTopologyService(TopologyManager& topology,
                                                  const LeaderState& leader, RpcObserver& observer);
std::unique_ptr<grpc::Service> NewChunkServerRegistry(TopologyManager& topology,
                                                      const LeaderState& leader,
                                                      RpcObserver& observer);
std::unique_ptr<grpc::Service> NewNamespaceService(NamespaceManager& names,
                                                   const LeaderState& leader,
                                                   RpcObserver& observer);

// The trailer naming the leader on UNAVAILABLE answers of followers.
inline constexpr char kLeaderTrailer[] = "curve-mds-leader";

}  // namespace curve::mds
