#include <grpcpp/grpcpp.h>

#include "operator/cluster/topology_registrar.h"
#include "proto/mds/topology.grpc.pb.h"
#include "services/mds/client/mds_client.h"

namespace curve::op {
namespace {

class GrpcTopologyRegistrar : public TopologyRegistrar {
 public:
  explicit GrpcTopologyRegistrar(std::unique_ptr<mds::MdsClient> client)
      : client_(std::move(client)) {}

  Result<std::vector<std::string>> Apply(const mds::ApplyTopologyRequest& request) override {
    mds::ApplyTopologyResponse response;
    Status status = client_->Call("ApplyTopology", [&](const auto& channel, auto& context) {
      return mds::TopologyService::NewStub(channel)->ApplyTopology(&context, request, &response);
    });
    if (!status.ok()) return status;
    return std::vector<std::string>(response.changes().begin(), response.changes().end());
  }

  Result<mds::GetClusterHealthResponse> Health() override {
    mds::GetClusterHealthResponse response;
    Status status = client_->Call("GetClusterHealth", [&](const auto& channel, auto& context) {
      return mds::TopologyService::NewStub(channel)->GetClusterHealth(&context, {}, &response);
    });
    if (!status.ok()) return status;
    return response;
  }

 private:
  std::unique_ptr<mds::MdsClient> client_;
};

}  // namespace

Result<std::unique_ptr<TopologyRegistrar>> MakeGrpcTopologyRegistrar(const std::string& addresses) {
  mds::MdsClientOptions options;
  options.addresses = mds::SplitAddresses(addresses);
  options.total_timeout = std::chrono::seconds(5);
  CURVE_ASSIGN_OR_RETURN(auto client, mds::MdsClient::Create(options));
  return std::unique_ptr<TopologyRegistrar>(new GrpcTopologyRegistrar(std::move(client)));
}

}  // namespace curve::op
