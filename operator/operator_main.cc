#include "operator/operator_main.h"

#include <unistd.h>

#include <cstdio>
#include <string_view>

#include "common/logging.h"
#include "common/signals.h"
#include "operator/cluster/cluster_reconciler.h"
#include "operator/k8s/controller.h"
#include "operator/k8s/informer.h"
#include "operator/k8s/leader_elector.h"
#include "operator/k8s/rest_kube_client.h"

namespace curve::op {

bool ParseOperatorFlags(int argc, char** argv, OperatorOptions* o, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto eq = arg.find('=');
    std::string key(arg.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : std::string(arg.substr(eq + 1));
    if (key == "--kubeconfig") {
      o->kubeconfig = value;
    } else if (key == "--namespace") {
      o->watch_namespace = value;
    } else if (key == "--mds-address") {
      o->mds_address = value;
    } else if (key == "--lease-namespace") {
      o->lease_namespace = value;
    } else if (key == "--id") {
      o->identity = value;
    } else if (key == "--leader-elect") {
      o->leader_elect = value != "false";
    } else if (key == "--workers") {
      o->workers = std::atoi(value.c_str());
      if (o->workers < 1) {
        *error = "--workers: must be at least 1";
        return false;
      }
    } else {
      *error = "unknown flag " + key +
               " (known: --kubeconfig --namespace --mds-address --lease-namespace --id "
               "--leader-elect --workers)";
      return false;
    }
  }
  if (o->identity.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    o->identity = std::string(host) + "-" + std::to_string(getpid());
  }
  return true;
}

int RunOperator(const OperatorOptions& options) {
  BlockTerminationSignals();
  auto logger = log::Get("operator");
  auto config = options.kubeconfig.empty()
                    ? k8s::KubeConfig::Load()
                    : k8s::KubeConfig::FromKubeconfigFile(options.kubeconfig);
  if (!config.ok()) {
    logger->critical("op=Start err={}", config.status().ToString());
    return 2;
  }
  auto client = k8s::RestKubeClient::Create(*config);
  if (!client.ok()) {
    logger->critical("op=Start err={}", client.status().ToString());
    return 2;
  }
  ReconcilerOptions reconciler_options;
  reconciler_options.mds_address_override = options.mds_address;
  ClusterReconciler reconciler(client->get(), reconciler_options, MakeGrpcTopologyRegistrar);

  k8s::InformerOptions informer_options;
  informer_options.ns = options.watch_namespace;
  k8s::Informer clusters(client->get(), kCurveClusters, informer_options);
  k8s::InformerOptions owned_options = informer_options;
  owned_options.label_selector = std::string(kLabelManagedBy) + "=" + kManagedBy;
  k8s::Informer deployments(client->get(), k8s::resources::kDeployments, owned_options);
  k8s::Informer jobs(client->get(), k8s::resources::kJobs, owned_options);

  k8s::ControllerOptions controller_options;
  controller_options.name = "curvecluster";
  controller_options.workers = options.workers;
  k8s::Controller controller(controller_options, [&](const std::string& key) {
    auto result = reconciler.Reconcile(key);
    if (!result.ok()) logger->warn("op=Reconcile key={} err={}", key, result.status().ToString());
    return result;
  });
  controller.Watch(clusters);
  controller.WatchOwned(deployments, kKind);
  controller.WatchOwned(jobs, kKind);

  auto run = [&](std::stop_token stop) {
    clusters.Start();
    deployments.Start();
    jobs.Start();
    controller.Start();
    logger->info("op=Lead identity={}", options.identity);
    while (!stop.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    controller.Stop();
    jobs.Stop();
    deployments.Stop();
    clusters.Stop();
  };
  std::unique_ptr<k8s::LeaderElector> elector;
  std::jthread direct;
  if (options.leader_elect) {
    k8s::LeaderElectionOptions lease;
    lease.ns = options.lease_namespace;
    lease.name = "curve-operator";
    lease.identity = options.identity;
    elector = std::make_unique<k8s::LeaderElector>(client->get(), lease,
                                                   k8s::LeaderCallbacks{run, nullptr, nullptr});
    elector->Start();
  } else {
    direct = std::jthread(run);
  }
  WaitForTerminationSignal();
  logger->info("op=Stop");
  if (elector) elector->Stop();
  if (direct.joinable()) {
    direct.request_stop();
    direct.join();
  }
  return 0;
}

}  // namespace curve::op
