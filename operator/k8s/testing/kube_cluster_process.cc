#include "operator/k8s/testing/kube_cluster_process.h"

#include <signal.h>

#include <fstream>
#include <set>
#include <sstream>

#include "operator/k8s/object_meta.h"
#include "operator/k8s/resource.h"
#include "operator/k8s/rest_kube_client.h"

namespace curve::k8s::testing {
namespace {

using curve::testing::PollUntil;
using curve::testing::Subprocess;

const Resource kServiceAccounts{"", "v1", "serviceaccounts"};

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

Result<std::unique_ptr<Subprocess>> Launch(const std::vector<std::string>& argv,
                                           const std::string& log) {
  CURVE_ASSIGN_OR_RETURN(auto process, Subprocess::Start(argv, log));
  return std::make_unique<Subprocess>(std::move(process));
}

bool NodeReady(const Json& node) {
  for (const auto& c : node.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

}  // namespace

Result<std::string> KubeClusterProcess::FindKwok() {
  return KubeApiserverProcess::FindTool("CURVE_KWOK_BIN_DIR", "kwok", "kwok");
}

Result<std::unique_ptr<KubeClusterProcess>> KubeClusterProcess::Start() {
  CURVE_ASSIGN_OR_RETURN(std::string k8s_dir, KubeApiserverProcess::FindBinaries());
  CURVE_ASSIGN_OR_RETURN(std::string kwok_dir, FindKwok());
  std::unique_ptr<KubeClusterProcess> cluster(new KubeClusterProcess());
  KubeApiserverOptions options;
  options.audit_writes = true;
  CURVE_ASSIGN_OR_RETURN(cluster->apiserver_, KubeApiserverProcess::Start(options));
  CURVE_ASSIGN_OR_RETURN(auto client, RestKubeClient::Create(cluster->apiserver_->admin_config()));
  cluster->client_ = std::move(client);
  CURVE_RETURN_IF_ERROR(cluster->StartComponents(k8s_dir, kwok_dir));
  return cluster;
}

Status KubeClusterProcess::StartComponents(const std::string& k8s_dir,
                                           const std::string& kwok_dir) {
  const std::string& d = apiserver_->dir();
  const std::string kubeconfig = "--kubeconfig=" + apiserver_->kubeconfig_path();
  CURVE_ASSIGN_OR_RETURN(
      controller_manager_,
      Launch({k8s_dir + "/kube-controller-manager", kubeconfig, "--secure-port=0",
              "--leader-elect=false", "--service-account-private-key-file=" + d + "/sa.key",
              "--root-ca-file=" + d + "/ca.crt", "--use-service-account-credentials=true",
              "--controllers=deployment-controller,replicaset-controller,job-controller,"
              "disruption-controller,serviceaccount-controller,serviceaccount-token-controller,"
              "garbage-collector-controller,namespace-controller,"
              "root-ca-certificate-publisher-controller",
              // Tests create many objects quickly; the defaults (20/30 qps) throttle them.
              "--kube-api-qps=200", "--kube-api-burst=400", "--concurrent-deployment-syncs=10",
              "--v=1"},
             d + "/kube-controller-manager.log"));
  CURVE_ASSIGN_OR_RETURN(scheduler_, Launch({k8s_dir + "/kube-scheduler", kubeconfig,
                                             "--secure-port=0", "--leader-elect=false",
                                             "--kube-api-qps=200", "--kube-api-burst=400", "--v=1"},
                                            d + "/kube-scheduler.log"));
  CURVE_ASSIGN_OR_RETURN(
      kwok_,
      Launch(
          {kwok_dir + "/kwok", kubeconfig, "--manage-all-nodes=false",
           "--config=" + std::string(CURVE_SOURCE_DIR) + "/operator/k8s/testing/kwok_stages.yaml",
           "--manage-nodes-with-annotation-selector=" + std::string(kFakeNodeAnnotation) + "=fake",
           "--cidr=10.244.0.0/16", "--node-ip=10.240.0.1"},
          d + "/kwok.log"));

  // The controller manager is up once it created the default service account (pods need it).
  Status last;
  bool ready = PollUntil(
      [&] {
        if (!controller_manager_->running() || !scheduler_->running() || !kwok_->running()) {
          return true;
        }
        auto account = client_->Get(kServiceAccounts, "default", "default");
        last = account.status();
        return account.ok();
      },
      std::chrono::seconds(60));
  if (!controller_manager_->running()) {
    return UnavailableError("kube-controller-manager exited:\n" +
                            Tail(d + "/kube-controller-manager.log"));
  }
  if (!scheduler_->running()) {
    return UnavailableError("kube-scheduler exited:\n" + Tail(d + "/kube-scheduler.log"));
  }
  if (!kwok_->running()) return UnavailableError("kwok exited:\n" + Tail(d + "/kwok.log"));
  if (!ready) {
    return DeadlineExceededError("no default service account after 60 s: " + last.ToString() +
                                 "\n" + Tail(d + "/kube-controller-manager.log"));
  }
  return Status::Ok();
}

Status KubeClusterProcess::AddNodes(const std::vector<FakeNode>& nodes) {
  for (const FakeNode& node : nodes) {
    Json labels = Json::object();
    for (const auto& [k, v] : node.labels) labels[k] = v;
    labels["kubernetes.io/hostname"] = node.name;
    labels["type"] = "kwok";
    Json annotations = Json::object();
    for (const auto& [k, v] : node.annotations) annotations[k] = v;
    annotations[kFakeNodeAnnotation] = "fake";
    Json resources = {{"cpu", "32"}, {"memory", "256Gi"}, {"pods", "110"}};
    Json object = {
        {"apiVersion", "v1"},
        {"kind", "Node"},
        {"metadata", {{"name", node.name}, {"labels", labels}, {"annotations", annotations}}},
        {"spec", Json::object()},
        {"status",
         {{"addresses", Json::array({{{"type", "InternalIP"}, {"address", node.address}},
                                     {{"type", "Hostname"}, {"address", node.name}}})},
          {"capacity", resources},
          {"allocatable", resources}}}};
    CURVE_RETURN_IF_ERROR(client_->Create(resources::kNodes, "", object).status());
  }
  // Ready is kwok's doing. The API server taints new nodes not-ready; the node lifecycle
  // controller (not run: it would want kubelet heartbeats) lifts it once Ready. Lift it here.
  std::set<std::string> pending;
  for (const FakeNode& node : nodes) pending.insert(node.name);
  Status last;
  bool done = PollUntil(
      [&] {
        auto list = client_->ListAll(resources::kNodes, "");
        if (!list.ok()) {
          last = list.status();
          return false;
        }
        for (Json& node : list->items) {
          const std::string name = Name(node);
          if (!pending.count(name) || !NodeReady(node)) continue;
          if (!node["spec"].value("taints", Json::array()).empty()) {
            node["spec"].erase("taints");
            node["apiVersion"] = "v1";  // list items carry neither
            node["kind"] = "Node";
            last = client_->Update(resources::kNodes, "", node).status();
            if (!last.ok()) continue;
          }
          pending.erase(name);
        }
        return pending.empty();
      },
      std::chrono::seconds(60));
  if (!done) {
    return DeadlineExceededError("kwok did not make node " + *pending.begin() +
                                 " Ready and untainted in 60 s (last update: " + last.ToString() +
                                 "):\n" + Tail(apiserver_->dir() + "/kwok.log"));
  }
  return Status::Ok();
}

KubeClusterProcess::~KubeClusterProcess() {
  if (kwok_) kwok_->Kill(SIGTERM);
  if (scheduler_) scheduler_->Kill(SIGTERM);
  if (controller_manager_) controller_manager_->Kill(SIGTERM);
}

}  // namespace curve::k8s::testing
