#include "operator/integration/operator_kwok_env.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include "operator/api/node_inventory.h"
#include "operator/api/yaml_json.h"
#include "operator/k8s/resource.h"
#include "proto/mds/topology.grpc.pb.h"
#include "services/mds/client/mds_client.h"

namespace curve::op::testing {
namespace {

using curve::testing::PollUntil;
using curve::testing::Subprocess;
using k8s::Json;

}  // namespace

Result<std::unique_ptr<OperatorKwokEnv>> OperatorKwokEnv::Start() {
  CURVE_RETURN_IF_ERROR(k8s::testing::KubeApiserverProcess::FindBinaries().status());
  CURVE_RETURN_IF_ERROR(k8s::testing::KubeClusterProcess::FindKwok().status());
  std::unique_ptr<OperatorKwokEnv> env(new OperatorKwokEnv());
  CURVE_ASSIGN_OR_RETURN(env->cluster_, k8s::testing::KubeClusterProcess::Start());

  CURVE_ASSIGN_OR_RETURN(auto crd,
                         YamlFileToJson(std::string(CURVE_SOURCE_DIR) + "/crds/curvecluster.yaml"));
  CURVE_RETURN_IF_ERROR(
      env->client().Create(k8s::resources::kCustomResourceDefinitions, "", crd.at(0)).status());
  CURVE_RETURN_IF_ERROR(
      env->client()
          .Create(k8s::resources::kNamespaces, "",
                  {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "curve"}}}})
          .status());
  const k8s::Resource clusters{"operator.curve.io", "v1", "curveclusters"};
  if (!PollUntil([&] { return env->client().List(clusters, "curve").ok(); },
                 std::chrono::seconds(30))) {
    return DeadlineExceededError("the CurveCluster CRD was not established in 30 s");
  }

  return env;
}

Status OperatorKwokEnv::StartMds() {
  chunkservers_.reset();
  if (mds_) mds_->Kill(SIGTERM);
  mds_.reset();
  mds_etcd_.reset();
  CURVE_ASSIGN_OR_RETURN(mds_etcd_, curve::testing::EtcdProcess::Start());
  ::curve::mds::testing::MdsProcessOptions options;
  options.binary = CURVE_MDS_BIN;
  options.etcd_endpoint = mds_etcd_->endpoint();
  options.log_path = dir() + "/mds.log";
  options.election_ttl = std::chrono::milliseconds(1000);
  CURVE_ASSIGN_OR_RETURN(mds_, ::curve::mds::testing::MdsProcess::Start(options));
  mds_address_ = mds_->address();
  CURVE_ASSIGN_OR_RETURN(chunkservers_, FakeChunkservers::Start(&client(), "curve", mds_address_));
  return Status::Ok();
}

OperatorKwokEnv::~OperatorKwokEnv() {
  chunkservers_.reset();
  for (auto& [id, process] : operators_) process->Kill(SIGTERM);
  if (mds_) mds_->Kill(SIGTERM);
}

Status OperatorKwokEnv::AddNodes(const std::vector<FakeHost>& hosts) {
  std::vector<k8s::testing::FakeNode> nodes;
  for (const auto& host : hosts) {
    std::vector<DiscoveredDevice> devices;
    for (const auto& d : host.disks) {
      DiscoveredDevice device;
      device.name = d.name;
      device.rotational = d.rotational;
      device.size_bytes = 1ull << 40;
      device.model = d.rotational ? "ST1000NM" : "SAMSUNG MZ7";
      devices.push_back(device);
    }
    k8s::testing::FakeNode node;
    node.name = host.name;
    node.address = host.address;
    node.labels["topology.kubernetes.io/zone"] = host.zone;
    node.annotations[kDiscoveredDevicesAnnotation] = FormatDiscoveryReport(devices);
    nodes.push_back(std::move(node));
  }
  return cluster_->AddNodes(nodes);
}

Status OperatorKwokEnv::StartOperator(const std::string& id) {
  const std::string user = "operator-" + id;
  CURVE_ASSIGN_OR_RETURN(std::string kubeconfig,
                         cluster_->apiserver().MakeKubeconfig(user, "system:masters"));
  CURVE_ASSIGN_OR_RETURN(
      auto process,
      Subprocess::Start({CURVE_OPERATOR_BIN, "--kubeconfig=" + kubeconfig, "--namespace=curve",
                         "--mds-address=" + mds_address_, "--lease-namespace=curve", "--id=" + id,
                         "--lease-duration=4s", "--resync=2s"},
                        dir() + "/" + user + ".log"));
  operators_[id] = std::make_unique<Subprocess>(std::move(process));
  return Status::Ok();
}

void OperatorKwokEnv::StopOperator(const std::string& id, int signal) {
  auto it = operators_.find(id);
  if (it == operators_.end()) return;
  it->second->Kill(signal);
  operators_.erase(it);
}

pid_t OperatorKwokEnv::OperatorPid(const std::string& id) const {
  auto it = operators_.find(id);
  return it == operators_.end() ? -1 : it->second->pid();
}

std::vector<k8s::testing::AuditedWrite> OperatorKwokEnv::OperatorWrites(
    const std::string& id) const {
  std::vector<k8s::testing::AuditedWrite> writes;
  for (auto& w : cluster_->apiserver().AuditedWrites("operator-" + id)) {
    if (w.resource != "leases") writes.push_back(std::move(w));
  }
  return writes;
}

Result<mds::Topology> OperatorKwokEnv::Topology() {
  mds::MdsClientOptions options;
  options.addresses = {mds_address_};
  CURVE_ASSIGN_OR_RETURN(auto client, mds::MdsClient::Create(options));
  mds::GetTopologyResponse response;
  CURVE_RETURN_IF_ERROR(
      client->Call("GetTopology", [&](const auto& channel, grpc::ClientContext& context) {
        return mds::TopologyService::NewStub(channel)->GetTopology(&context, {}, &response);
      }));
  return response.topology();
}

}  // namespace curve::op::testing
