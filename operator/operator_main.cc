#include "operator/operator_main.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "common/config.h"
#include "common/logging.h"
#include "common/signals.h"
#include "operator/cluster/cluster_reconciler.h"
#include "operator/k8s/controller.h"
#include "operator/k8s/informer.h"
#include "operator/k8s/leader_elector.h"
#include "operator/k8s/object_meta.h"
#include "operator/k8s/rest_kube_client.h"

namespace curve::op {

void LimitMallocFootprint() {
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

bool ParseOperatorFlags(int argc, char** argv, OperatorOptions* o, std::string* error) {
  auto command_line = config::ParseFlags(argc, argv);
  if (!command_line.ok()) {
    *error = command_line.status().message();
    return false;
  }
  for (const auto& [name, value] : command_line->flags) {
    const std::string key = "--" + name;
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
    } else if (key == "--resync" || key == "--lease-duration") {
      auto& target = key == "--resync" ? o->resync : o->lease_duration;
      const int64_t min = key == "--resync" ? 1 : 3;
      auto seconds = config::ParseInteger(key, std::string_view(value).substr(0, value.size() - 1),
                                          min, 24 * 3600);
      if (value.empty() || value.back() != 's' || !seconds.ok()) {
        *error = key + ": a whole number of seconds (e.g. 30s), at least " + std::to_string(min) +
                 "s, got '" + value + "'";
        return false;
      }
      target = std::chrono::seconds(*seconds);
    } else if (key == "--workers") {
      auto workers = config::ParseInteger(key, value, 1, 1024);
      if (!workers.ok()) {
        *error = workers.status().message();
        return false;
      }
      o->workers = static_cast<int>(*workers);
    } else {
      *error = "unknown flag " + key +
               " (known: --kubeconfig --namespace --mds-address --lease-namespace --id "
               "--leader-elect --lease-duration --workers --resync)";
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

void RunLeaderTerm(k8s::KubeClient* client, const OperatorOptions& options,
                   const ClusterReconciler::RegistrarFactory& registrar_factory,
                   std::stop_token stop) {
  auto logger = log::Get("operator");
  k8s::InformerOptions informer_options;
  informer_options.ns = options.watch_namespace;
  // Nothing reads managedFields; they are often the largest part of an object.
  informer_options.transform = [](k8s::Json& object) {
    if (object.contains("metadata")) object["metadata"].erase("managedFields");
  };
  k8s::Informer clusters(client, kCurveClusters, informer_options);
  k8s::InformerOptions owned_options = informer_options;
  owned_options.label_selector = std::string(kLabelManagedBy) + "=" + kManagedBy;
  // A page of 100 Deployments is ~1 MiB of text and a few MiB decoded while it is packed.
  owned_options.page_size = 100;
  k8s::Informer deployments(client, k8s::resources::kDeployments, owned_options);
  // Jobs are created once and read from the API server; their cache only triggers reconciles.
  k8s::InformerOptions job_options = owned_options;
  job_options.transform = [](k8s::Json& object) {
    k8s::Json kept = {{"metadata", object.value("metadata", k8s::Json::object())},
                      {"status", object.value("status", k8s::Json::object())}};
    kept["metadata"].erase("managedFields");
    object = std::move(kept);
  };
  k8s::Informer jobs(client, k8s::resources::kJobs, job_options);
  // Caches of the other kinds the reconcile applies, so unchanged objects are not re-applied.
  k8s::Informer config_maps(client, k8s::resources::kConfigMaps, owned_options);
  k8s::Informer services(client, k8s::resources::kServices, owned_options);
  k8s::Informer budgets(client, k8s::resources::kPodDisruptionBudgets, owned_options);
  k8s::Informer secrets(client, k8s::resources::kSecrets, owned_options);
  std::vector<k8s::Informer*> informers = {&clusters, &deployments, &jobs,   &config_maps,
                                           &services, &budgets,     &secrets};

  ReconcilerOptions reconciler_options;
  reconciler_options.mds_address_override = options.mds_address;
  reconciler_options.resync = options.resync;
  reconciler_options.lookup = [&](const k8s::Resource& resource, const std::string& ns,
                                  const std::string& name) -> std::optional<k8s::Json> {
    for (k8s::Informer* informer : informers) {
      if (informer->resource() == resource && informer->HasSynced()) {
        return informer->cache().Get(k8s::ObjectKey(ns, name));
      }
    }
    auto got = client->Get(resource, ns, name);
    if (got.ok()) return std::move(got).value();
    return std::nullopt;  // absent or unreadable: apply (the apply reports real errors)
  };
  // What the ObjectLister contract promises and no more: the reconcile holds a list of 1,000
  // chunkserver Deployments at a time, ~6 MiB with whole metadata and status.
  auto trimmed = [](const k8s::Json& object) {
    k8s::Json kept = {{"metadata", k8s::Json::object()}};
    if (auto metadata = object.find("metadata"); metadata != object.end()) {
      for (const char* field : {"name", "namespace", "labels", "annotations"}) {
        if (auto it = metadata->find(field); it != metadata->end()) kept["metadata"][field] = *it;
      }
    }
    if (object.contains("status") && object["status"].is_object()) {
      kept["status"] = object["status"];
      kept["status"].erase("conditions");
    }
    return kept;
  };
  reconciler_options.lister =
      [&](const k8s::Resource& resource, const std::string& ns,
          const std::string& selector) -> std::optional<std::vector<k8s::Json>> {
    const std::string& watched = informer_options.ns;
    if (!watched.empty() && !ns.empty() && ns != watched) return std::nullopt;
    auto informer = std::find_if(informers.begin(), informers.end(), [&](k8s::Informer* i) {
      return i->resource() == resource && i->HasSynced();
    });
    if (informer == informers.end()) return std::nullopt;
    std::vector<k8s::Json> out;
    (*informer)->cache().ForEach(ns, selector,
                                 [&](const k8s::Json& object) { out.push_back(trimmed(object)); });
    if (watched.empty() || !ns.empty()) return out;
    // Every namespace asked (chunkservers of other clusters claim disks): the informers hold the
    // watched one; the others come from the API server, a page at a time, trimmed as they come.
    // Listing all namespaces instead re-read this operator's own 1,000 Deployments every
    // reconcile (~40 MiB decoded at once).
    k8s::ListOptions list;
    list.label_selector = selector;
    list.field_selector = "metadata.namespace!=" + watched;
    list.limit = 100;
    while (true) {
      auto page = client->List(resource, "", list);
      if (!page.ok()) return std::nullopt;  // the reconcile lists again and reports the error
      for (const auto& item : page->items) out.push_back(trimmed(item));
      if (page->continue_token.empty()) return out;
      list.continue_token = page->continue_token;
    }
  };
  ClusterReconciler reconciler(client, reconciler_options, registrar_factory);

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

  for (k8s::Informer* informer : informers) informer->Start();
  controller.Start();
  while (!stop.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  controller.Stop();
  for (k8s::Informer* informer : informers) informer->Stop();
}

int RunOperator(const OperatorOptions& options) {
  BlockTerminationSignals();
  auto logger = log::Get("operator");
  auto config = k8s::KubeConfig::Load(options.kubeconfig);
  if (!config.ok()) {
    logger->critical("op=Start err={}", config.status().ToString());
    return 2;
  }
  auto client = k8s::RestKubeClient::Create(*config);
  if (!client.ok()) {
    logger->critical("op=Start err={}", client.status().ToString());
    return 2;
  }
  auto run = [&](std::stop_token stop) {
    logger->info("op=Lead identity={}", options.identity);
    RunLeaderTerm(client->get(), options, MakeGrpcTopologyRegistrar, stop);
    logger->info("op=StopLeading identity={}", options.identity);
  };
  std::unique_ptr<k8s::LeaderElector> elector;
  std::jthread direct;
  if (options.leader_elect) {
    k8s::LeaderElectionOptions lease;
    lease.ns = options.lease_namespace;
    lease.name = "curve-operator";
    lease.identity = options.identity;
    lease.lease_duration = options.lease_duration;
    lease.renew_deadline = options.lease_duration * 2 / 3;
    lease.retry_period =
        std::max<k8s::Clock::Duration>(std::chrono::milliseconds(500), options.lease_duration / 7);
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
