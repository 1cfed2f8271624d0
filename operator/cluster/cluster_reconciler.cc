#include "operator/cluster/cluster_reconciler.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <set>
#include <thread>

#include "common/config.h"
#include "common/logging.h"
#include "operator/cluster/status_builder.h"
#include "operator/k8s/api_status.h"
#include "operator/k8s/kube_time.h"
#include "operator/k8s/object_meta.h"

namespace curve::op {
namespace {

using k8s::Json;

constexpr std::chrono::seconds kNotReadyRequeue{5};

std::string Now() { return k8s::FormatTime(std::chrono::system_clock::now()); }

std::string Selector(const std::string& cluster, const std::string& component) {
  return std::string(kLabelInstance) + "=" + cluster + "," + kLabelComponent + "=" + component;
}

// FNV-1a, 64 bit: stable across builds (std::hash is not promised to be).
std::string StableHash(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// `live` carries the hash of `desired` and every field of it, apiVersion and kind aside (list
// items of some caches lack them). Compares in place: no copy of either object.
bool UpToDate(const Json& live, const Json& desired, const std::string& hash) {
  auto metadata = live.find("metadata");
  if (metadata == live.end() || !metadata->is_object()) return false;
  auto annotations = metadata->find("annotations");
  if (annotations == metadata->end() || !annotations->is_object() ||
      annotations->value(kAppliedHashAnnotation, "") != hash) {
    return false;
  }
  for (const auto& [key, value] : desired.items()) {
    if (key == "apiVersion" || key == "kind") continue;
    auto it = live.find(key);
    if (it == live.end() || !ContainsFields(*it, value)) return false;
  }
  return true;
}

}  // namespace

bool ContainsFields(const Json& live, const Json& desired) {
  if (desired.is_object()) {
    if (!live.is_object()) return false;
    for (const auto& [key, value] : desired.items()) {
      auto it = live.find(key);
      if (it == live.end() || !ContainsFields(*it, value)) return false;
    }
    return true;
  }
  if (desired.is_array()) {
    if (!live.is_array() || live.size() != desired.size()) return false;
    for (size_t i = 0; i < desired.size(); ++i) {
      if (!ContainsFields(live[i], desired[i])) return false;
    }
    return true;
  }
  return desired == live;  // numbers compare by value (1 == 1.0)
}

ClusterReconciler::ClusterReconciler(k8s::KubeClient* client, ReconcilerOptions options,
                                     RegistrarFactory registrar_factory)
    : client_(client),
      options_(std::move(options)),
      registrar_factory_(std::move(registrar_factory)),
      events_(client, kManagedBy) {}

void ClusterReconciler::Event(const Json& cluster, const std::string& type,
                              const std::string& reason, const std::string& message) {
  Status status = events_.Record(cluster, type, reason, message);
  if (!status.ok()) {
    log::Get("operator")
        ->warn("op=RecordEvent cluster={} reason={} err={}", k8s::ObjectKey(cluster), reason,
               status.ToString());
  }
}

Result<TopologyRegistrar*> ClusterReconciler::RegistrarFor(const std::string& addresses) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = registrars_[addresses];
  if (!slot) {
    CURVE_ASSIGN_OR_RETURN(slot, registrar_factory_(addresses));
  }
  return slot.get();
}

Status ClusterReconciler::ApplyObject(const DesiredObject& desired) {
  const std::string ns = k8s::Namespace(desired.object);
  const std::string name = k8s::Name(desired.object);
  if (desired.create_only) {
    if (options_.lookup) {
      if (options_.lookup(desired.resource, ns, name)) return Status();
    } else {
      auto existing = client_->Get(desired.resource, ns, name);
      if (existing.ok()) return Status();
      if (existing.status().code() != StatusCode::kNotFound) return existing.status();
    }
    auto created = client_->Create(desired.resource, ns, desired.object);
    if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
      return InternalError("create " + desired.resource.ToString() + " " + name + ": " +
                           created.status().message());
    }
    return Status();
  }
  const std::string hash = StableHash(desired.object.dump());
  std::optional<Json> live;
  if (options_.lookup) {
    live = options_.lookup(desired.resource, ns, name);
  } else {
    auto got = client_->Get(desired.resource, ns, name);
    if (got.ok()) {
      live = std::move(got).value();
    } else if (got.status().code() != StatusCode::kNotFound) {
      return got.status();
    }
  }
  if (live && UpToDate(*live, desired.object, hash)) return Status();
  Json object = desired.object;
  object["metadata"]["annotations"][kAppliedHashAnnotation] = hash;
  k8s::ApplyOptions options;
  options.field_manager = kFieldManager;
  options.force = true;
  auto applied = client_->Apply(desired.resource, ns, name, object, options);
  if (!applied.ok()) {
    return Status(applied.status().code(), "apply " + desired.resource.ToString() + " " + name +
                                               ": " + applied.status().message());
  }
  return Status();
}

Status ClusterReconciler::ApplyDesiredState(
    const BuildContext& ctx, std::map<std::string, std::set<std::string>>* deployments) {
  // Built on this thread and applied by apply_parallelism threads as they come, with at most
  // 16 per thread waiting: the objects of a 1,000-disk cluster take ~25 MiB decoded at once.
  const size_t threads = static_cast<size_t>(std::max(1, options_.apply_parallelism));
  const size_t max_queued = 16 * threads;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<DesiredObject> queue;
  bool built = false;
  Status first_error;  // the first failure stops applying; objects still queued are dropped
  auto apply = [&] {
    while (true) {
      DesiredObject object;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return !queue.empty() || built; });
        if (queue.empty() || !first_error.ok()) return;
        object = std::move(queue.front());
        queue.pop_front();
      }
      cv.notify_all();
      Status status = ApplyObject(object);
      if (!status.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = std::move(status);
        queue.clear();
        built = true;  // wakes the other appliers to stop
        cv.notify_all();
      }
    }
  };
  std::vector<std::jthread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(apply);
  ForEachDesiredObject(ctx, [&](DesiredObject object) {
    if (object.resource == k8s::resources::kDeployments) {
      (*deployments)[object.object["metadata"]["labels"].value(kLabelComponent, "")].insert(
          k8s::Name(object.object));
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return queue.size() < max_queued || !first_error.ok(); });
    if (!first_error.ok()) return;
    queue.push_back(std::move(object));
    cv.notify_all();
  });
  {
    std::lock_guard<std::mutex> lock(mu);
    built = true;
  }
  cv.notify_all();
  pool.clear();  // joins
  return first_error;
}

Result<std::vector<Json>> ClusterReconciler::ListOwned(const k8s::Resource& resource,
                                                       const std::string& ns,
                                                       const std::string& selector) {
  if (options_.lister) {
    if (auto cached = options_.lister(resource, ns, selector)) return std::move(*cached);
  }
  k8s::ListOptions options;
  options.label_selector = selector;
  CURVE_ASSIGN_OR_RETURN(auto list, client_->ListAll(resource, ns, options));
  return std::move(list.items);
}

Result<k8s::ReconcileResult> ClusterReconciler::Reconcile(const std::string& key) {
  auto logger = log::Get("operator");
  auto [ns, name] = k8s::SplitObjectKey(key);
  auto fetched = client_->Get(kCurveClusters, ns, name);
  if (!fetched.ok()) {
    if (fetched.status().code() == StatusCode::kNotFound) return k8s::ReconcileResult{};
    return fetched.status();
  }
  Json cluster = std::move(fetched).value();
  cluster["apiVersion"] = kApiVersion;
  cluster["kind"] = kKind;
  auto spec = ParseClusterSpec(cluster.value("spec", Json::object()));

  if (k8s::IsBeingDeleted(cluster)) {
    return ReconcileDelete(cluster, spec.ok() ? *spec : ClusterSpec{});
  }
  if (!spec.ok()) {
    Event(cluster, "Warning", "InvalidSpec", spec.status().message());
    Json status = {{"apiVersion", kApiVersion},
                   {"kind", kKind},
                   {"metadata", {{"name", name}}},
                   {"status",
                    {{"phase", "Failed"},
                     {"observedGeneration", k8s::Generation(cluster)},
                     {"message", spec.status().message()}}}};
    k8s::ApplyOptions options{kFieldManager, true};
    auto written = client_->ApplyStatus(kCurveClusters, ns, name, status, options);
    if (!written.ok()) return written.status();
    return k8s::ReconcileResult{};  // a spec change enqueues it again
  }
  if (k8s::AddFinalizer(cluster, kFinalizer)) {
    auto updated = client_->Update(kCurveClusters, ns, cluster);
    if (!updated.ok()) return updated.status();
    cluster = std::move(updated).value();
    cluster["apiVersion"] = kApiVersion;
    cluster["kind"] = kKind;
  }

  // A new generation: announce it before applying anything.
  if (cluster.value("status", Json::object()).value("observedGeneration", int64_t{0}) !=
      k8s::Generation(cluster)) {
    Json status = BuildApplyingStatus(cluster.value("status", Json::object()),
                                      k8s::Generation(cluster), Now());
    Json patch = {{"apiVersion", kApiVersion},
                  {"kind", kKind},
                  {"metadata", {{"name", name}}},
                  {"status", status}};
    k8s::ApplyOptions options{kFieldManager, true};
    auto written = client_->ApplyStatus(kCurveClusters, ns, name, patch, options);
    if (!written.ok()) return written.status();
    cluster["status"] = status;
    Event(cluster, "Normal", "Applying", status["message"].get<std::string>());
  }

  // Observe the chunkservers already deployed (ours and other clusters') and the nodes.
  BuildContext ctx;
  ctx.cluster = cluster;
  ctx.spec = *spec;
  CURVE_ASSIGN_OR_RETURN(auto deployed, ListOwned(k8s::resources::kDeployments, "",
                                                  std::string(kLabelComponent) + "=chunkserver"));
  std::vector<ExistingChunkserver> existing;
  for (const auto& d : deployed) {
    const Json& labels = d["metadata"].value("labels", Json::object());
    ExistingChunkserver e;
    e.node = labels.value(kLabelNode, "");
    e.device = labels.value(kLabelDevice, "");
    e.cluster = k8s::Namespace(d) + "/" + labels.value(kLabelInstance, "");
    // A hand-edited annotation that is not a port counts as none.
    e.port = static_cast<int>(
        config::ParseInteger(
            kAnnotationPort,
            d["metadata"].value("annotations", Json::object()).value(kAnnotationPort, "0"), 0,
            65535)
            .value_or(0));
    existing.push_back(std::move(e));
  }
  deployed = {};  // a large cluster's list is MiBs: not kept through the apply
  // A disk this cluster already runs a chunkserver on stays claimed although discovery now
  // reports the file system and mount its prepare Job made (useAllDevices skips such disks).
  std::set<std::string> claimed;  // node/device
  for (const auto& e : existing) {
    if (e.cluster == key) claimed.insert(e.node + "/" + e.device);
  }
  CURVE_ASSIGN_OR_RETURN(auto node_list, client_->ListAll(k8s::resources::kNodes, ""));
  std::vector<NodeInfo> nodes;
  for (const auto& n : node_list.items) {
    auto info = NodeInfoFromObject(n);
    if (!info.ok()) {
      Event(cluster, "Warning", "BadDiscoveryReport", info.status().message());
      continue;
    }
    for (auto& device : info->devices) {
      if (claimed.count(info->name + "/" + device.name)) {
        device.fstype.clear();
        device.mountpoint.clear();
      }
    }
    ctx.nodes[info->name] = *info;
    nodes.push_back(std::move(info).value());
  }
  node_list = {};
  ctx.placement = ComputePlacement(ctx.spec, key, nodes, existing);

  // Apply.
  ObservedState observed;
  observed.generation = k8s::Generation(cluster);
  observed.version = ctx.spec.image;
  observed.placement = ctx.placement;
  // Deployment names desired per component (app.kubernetes.io/component).
  std::map<std::string, std::set<std::string>> deployments;
  Status applied = ApplyDesiredState(ctx, &deployments);
  if (!applied.ok()) {
    observed.apply_error = applied.message();
    logger->warn("op=Apply cluster={} err={}", key, applied.ToString());
  }
  // Topology.
  std::string addresses =
      options_.mds_address_override.empty() ? ctx.MdsAddresses() : options_.mds_address_override;
  observed.mds_address = addresses;
  auto registrar = RegistrarFor(addresses);
  if (!registrar.ok()) {
    observed.mds_status = registrar.status();
  } else if (!ctx.placement.chunkservers.empty()) {
    auto changes = (*registrar)->Apply(BuildTopology(ctx));
    if (!changes.ok()) {
      observed.mds_status = changes.status();
    } else {
      observed.topology_registered = true;
      for (const auto& change : *changes) Event(cluster, "Normal", "TopologyChanged", change);
      auto health = (*registrar)->Health();
      if (health.ok()) {
        observed.health = std::move(health).value();
      } else {
        observed.mds_status = health.status();
      }
    }
  }
  if (!observed.mds_status.ok()) {
    logger->debug("op=Topology cluster={} mds={} err={}", key, addresses,
                  observed.mds_status.ToString());
  }

  // Readiness of each role: of the Deployments desired (a cache that has not seen a new one
  // yet must not make the role look complete), those with a ready replica.
  for (auto [component, count] :
       {std::pair{"etcd", &observed.etcd}, std::pair{"mds", &observed.mds},
        std::pair{"chunkserver", &observed.chunkservers},
        std::pair{"snapshotclone", &observed.snapshotclone}}) {
    const std::set<std::string>& wanted = deployments[component];
    count->total = static_cast<int>(wanted.size());
    if (wanted.empty()) continue;
    CURVE_ASSIGN_OR_RETURN(auto list,
                           ListOwned(k8s::resources::kDeployments, ns, Selector(name, component)));
    for (const auto& d : list) {
      if (wanted.count(k8s::Name(d)) &&
          d.value("status", Json::object()).value("readyReplicas", 0) >= 1) {
        ++count->ready;
      }
    }
  }

  Json previous = cluster.value("status", Json::object());
  Json status = BuildStatus(observed, previous, Now());
  if (previous.value("phase", "") != status["phase"]) {
    Event(cluster, status["phase"] == "Degraded" ? "Warning" : "Normal",
          "Phase" + status["phase"].get<std::string>(), status["message"].get<std::string>());
  }
  // Events only when something changed: a steady state makes no writes at all.
  bool changed = previous != status;
  if (changed && previous.value("message", "") != status["message"]) {
    for (const auto& problem : ctx.placement.problems) {
      Event(cluster, "Warning", problem.reason, problem.message);
    }
  }
  if (changed) {
    Json patch = {{"apiVersion", kApiVersion},
                  {"kind", kKind},
                  {"metadata", {{"name", name}}},
                  {"status", status}};
    k8s::ApplyOptions options{kFieldManager, true};
    auto written = client_->ApplyStatus(kCurveClusters, ns, name, patch, options);
    if (!written.ok()) return written.status();
  }
  // Until Ready, look again soon: what the cluster waits for (MDS health, copysets) changes
  // without an event on any watched object. Ready: at the resync period.
  k8s::ReconcileResult result;
  result.requeue_after =
      status["phase"] == "Ready" ? options_.resync : std::min(options_.resync, kNotReadyRequeue);
  if (!observed.apply_error.empty()) return InternalError(observed.apply_error);
  return result;
}

Result<k8s::ReconcileResult> ClusterReconciler::ReconcileDelete(const Json& cluster,
                                                                const ClusterSpec& spec) {
  const std::string ns = k8s::Namespace(cluster);
  const std::string name = k8s::Name(cluster);
  if (!k8s::HasFinalizer(cluster, kFinalizer)) return k8s::ReconcileResult{};
  if (spec.cleanup_confirmed) {
    // The daemons stop first: a disk a chunkserver has mounted cannot be wiped, and etcd must
    // not lose its data directory under it. Their Deployments are scaled to zero (kept: their
    // labels name the disks) and cleanup starts once none of their pods is left.
    int running = 0;
    for (const char* component : {"etcd", "mds", "chunkserver", "snapshotclone"}) {
      k8s::ListOptions options;
      options.label_selector = Selector(name, component);
      CURVE_ASSIGN_OR_RETURN(auto daemons,
                             client_->ListAll(k8s::resources::kDeployments, ns, options));
      for (const auto& d : daemons.items) {
        if (d["spec"].value("replicas", 1) == 0) continue;
        auto scaled = client_->MergePatch(k8s::resources::kDeployments, ns, k8s::Name(d),
                                          {{"spec", {{"replicas", 0}}}});
        if (!scaled.ok() && scaled.status().code() != StatusCode::kNotFound) {
          return scaled.status();
        }
      }
      CURVE_ASSIGN_OR_RETURN(auto pods, client_->ListAll(k8s::resources::kPods, ns, options));
      running += static_cast<int>(pods.items.size());
    }
    if (running > 0) {
      log::Get("operator")->info("op=Cleanup cluster={}/{} waiting_for_pods={}", ns, name, running);
      k8s::ReconcileResult result;
      result.requeue_after = std::chrono::seconds(2);
      return result;
    }
    // One cleanup Job per node that ran daemons or disks; done when all succeeded.
    std::map<std::string, std::vector<std::string>> node_devices;
    for (const auto& n : spec.nodes) node_devices[n];
    k8s::ListOptions options;
    options.label_selector = Selector(name, "chunkserver");
    CURVE_ASSIGN_OR_RETURN(auto list, client_->ListAll(k8s::resources::kDeployments, ns, options));
    for (const auto& d : list.items) {
      const Json& labels = d["metadata"]["labels"];
      node_devices[labels.value(kLabelNode, "")].push_back("/dev/" +
                                                           labels.value(kLabelDevice, ""));
    }
    BuildContext ctx;
    ctx.cluster = cluster;
    ctx.spec = spec;
    bool all_done = true;
    for (const auto& [node, devices] : node_devices) {
      if (node.empty()) continue;
      // Unmounts reach the host through the Bidirectional data volume; a wipe that fails
      // fails the Job (and so the deletion waits) instead of leaving data behind silently.
      std::string script = "set -eu\n";
      for (const auto& d : devices) {
        script += "findmnt -rn -S " + d +
                  " -o TARGET | sort -r | while read -r m; do umount \"$m\"; done\n";
      }
      script += "rm -rf --one-file-system " + spec.host_data_dir + "/*\n";
      if (spec.wipe_devices) {
        for (const auto& d : devices) script += "wipefs -a " + d + "\n";
      }
      Json job = NewObject(ctx, "batch/v1", "Job", ObjectName({name, "cleanup", node}), "cleanup",
                           {{kLabelNode, node}});
      Json container = {{"name", "cleanup"},
                        {"command", Json::array({"/bin/sh", "-c", script})},
                        {"securityContext", {{"privileged", true}}},
                        {"volumeMounts", Json::array({{{"name", "data"},
                                                       {"mountPath", spec.host_data_dir},
                                                       {"mountPropagation", "Bidirectional"}},
                                                      {{"name", "dev"}, {"mountPath", "/dev"}}})}};
      Json pod = PinnedPodSpec(
          ctx, node, Json::array({container}),
          Json::array({HostPathVolume("data", spec.host_data_dir), HostPathVolume("dev", "/dev")}));
      pod["restartPolicy"] = "OnFailure";
      job["spec"] = {{"backoffLimit", 6}, {"template", {{"spec", pod}}}};
      auto existing = client_->Get(k8s::resources::kJobs, ns, k8s::Name(job));
      if (!existing.ok()) {
        if (existing.status().code() != StatusCode::kNotFound) return existing.status();
        auto created = client_->Create(k8s::resources::kJobs, ns, job);
        if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
          return created.status();
        }
        Event(cluster, "Normal", "CleanupStarted", "cleanup job for node " + node);
        all_done = false;
        continue;
      }
      if (existing->value("status", Json::object()).value("succeeded", 0) < 1) all_done = false;
    }
    if (!all_done) {
      k8s::ReconcileResult result;
      result.requeue_after = std::chrono::seconds(2);
      return result;
    }
    Event(cluster, "Normal", "CleanupDone", "data directories and disks wiped");
  } else {
    Event(cluster, "Normal", "DataKept",
          "deleted without cleanupPolicy.confirmation: data on the hosts stays");
  }
  Json updated = cluster;
  k8s::RemoveFinalizer(updated, kFinalizer);
  auto written = client_->Update(kCurveClusters, ns, updated);
  if (!written.ok() && written.status().code() != StatusCode::kNotFound) return written.status();
  return k8s::ReconcileResult{};
}

}  // namespace curve::op
