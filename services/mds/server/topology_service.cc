#include "proto/mds/heartbeat.grpc.pb.h"
#include "proto/mds/topology.grpc.pb.h"
#include "services/mds/server/serve.h"
#include "services/mds/topology/topology_manager.h"

namespace curve::mds {
namespace {

class TopologyServiceImpl final : public TopologyService::Service {
 public:
  TopologyServiceImpl(TopologyManager& topology, const LeaderState& leader, RpcObserver& observer)
      : topology_(topology), leader_(leader), observer_(observer) {}

  grpc::Status ApplyTopology(grpc::ServerContext* context, const ApplyTopologyRequest* request,
                             ApplyTopologyResponse* response) override {
    return Serve(leader_, observer_, context, "ApplyTopology",
                 "servers=" + std::to_string(request->servers_size()), [&]() -> Status {
                   CURVE_ASSIGN_OR_RETURN(auto changes, topology_.Apply(*request));
                   for (auto& c : changes) response->add_changes(std::move(c));
                   return Status::Ok();
                 });
  }

  grpc::Status GetTopology(grpc::ServerContext* context, const GetTopologyRequest*,
                           GetTopologyResponse* response) override {
    return Serve(leader_, observer_, context, "GetTopology", "", [&]() -> Status {
      *response->mutable_topology() = topology_.Snapshot();
      return Status::Ok();
    });
  }

  grpc::Status RetireChunkServer(grpc::ServerContext* context,
                                 const RetireChunkServerRequest* request,
                                 RetireChunkServerResponse* response) override {
    return Serve(leader_, observer_, context, "RetireChunkServer",
                 "chunkserver=" + std::to_string(request->chunkserver_id()), [&]() -> Status {
                   CURVE_ASSIGN_OR_RETURN(uint32_t copysets,
                                          topology_.Retire(request->chunkserver_id()));
                   response->set_copysets_to_move(copysets);
                   return Status::Ok();
                 });
  }

  grpc::Status GetClusterHealth(grpc::ServerContext* context, const GetClusterHealthRequest*,
                                GetClusterHealthResponse* response) override {
    return Serve(leader_, observer_, context, "GetClusterHealth", "", [&]() -> Status {
      *response = topology_.Health();
      response->set_leader(leader_.leader());
      return Status::Ok();
    });
  }

 private:
  TopologyManager& topology_;
  const LeaderState& leader_;
  RpcObserver& observer_;
};

class ChunkServerRegistryImpl final : public ChunkServerRegistry::Service {
 public:
  ChunkServerRegistryImpl(TopologyManager& topology, const LeaderState& leader,
                          RpcObserver& observer)
      : topology_(topology), leader_(leader), observer_(observer) {}

  grpc::Status RegisterChunkServer(grpc::ServerContext* context,
                                   const RegisterChunkServerRequest* request,
                                   RegisterChunkServerResponse* response) override {
    return Serve(leader_, observer_, context, "RegisterChunkServer",
                 "host=" + request->host() + " disk=" + request->disk_path(), [&]() -> Status {
                   CURVE_ASSIGN_OR_RETURN(*response, topology_.Register(*request));
                   return Status::Ok();
                 });
  }

  grpc::Status Heartbeat(grpc::ServerContext* context, const HeartbeatRequest* request,
                         HeartbeatResponse* response) override {
    return Serve(leader_, observer_, context, "Heartbeat",
                 "chunkserver=" + std::to_string(request->chunkserver_id()), [&]() -> Status {
                   CURVE_ASSIGN_OR_RETURN(*response, topology_.Heartbeat(*request));
                   return Status::Ok();
                 });
  }

 private:
  TopologyManager& topology_;
  const LeaderState& leader_;
  RpcObserver& observer_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewTopologyService(TopologyManager& topology,
                                                  const LeaderState& leader,
                                                  RpcObserver& observer) {
  return std::make_unique<TopologyServiceImpl>(topology, leader, observer);
}

std::unique_ptr<grpc::Service> NewChunkServerRegistry(TopologyManager& topology,
                                                      const LeaderState& leader,
                                                      RpcObserver& observer) {
  return std::make_unique<ChunkServerRegistryImpl>(topology, leader, observer);
}

}  // namespace curve::mds
