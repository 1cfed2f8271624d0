#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "operator/cluster/desired_state.h"
#include "operator/cluster/topology_registrar.h"
#include "operator/k8s/controller.h"
#include "operator/k8s/event_recorder.h"
#include "operator/k8s/kube_client.h"

namespace curve::op {

inline constexpr char kFinalizer[] = "operator.curve.io/cleanup";
inline constexpr char kFieldManager[] = "curve-operator";
inline const k8s::Resource kCurveClusters{"operator.curve.io", "v1", "curveclusters"};
// On every applied object: a hash of the desired object last applied, so an object is
// re-applied when a field was dropped from the desired state (not only when one changed).
inline constexpr char kAppliedHashAnnotation[] = "curve.io/applied-hash";

// Where the reconcile reads the live copy of an object it applies (an informer cache):
// nullopt when absent. Without one, the reconcile asks the API server (a read, never a write).
// For create-only objects (Jobs) only presence counts: metadata is enough.
using ObjectLookup = std::function<std::optional<k8s::Json>(
    const k8s::Resource& resource, const std::string& ns, const std::string& name)>;

// Where the reconcile lists objects of the kinds it owns by label selector (an informer cache):
// nullopt when the cache does not cover the request; then the API server is asked. The objects
// need only metadata.name, namespace, labels and annotations and the status without conditions
// (the reconcile reads nothing else of them).
using ObjectLister = std::function<std::optional<std::vector<k8s::Json>>(
    const k8s::Resource& resource, const std::string& ns, const std::string& label_selector)>;

// True when every field of `desired` is in `live` with the same value: objects key by key,
// arrays element by element (same length). Fields only in `live` (server defaults, status,
// other managers' fields) are ignored.
bool ContainsFields(const k8s::Json& live, const k8s::Json& desired);

struct ReconcilerOptions {
  // MDS addresses ("h:p,h:p") used instead of the cluster's own MDS (tests, operators outside
  // the cluster); empty: the MDS members' node addresses.
  std::string mds_address_override;
  // How often a reconciled cluster is looked at again (health, status).
  std::chrono::seconds resync{30};
  // The live objects compared with the desired ones before applying; see ObjectLookup.
  ObjectLookup lookup;
  // The chunkserver Deployments (claims) and each role's Deployments (readiness); see
  // ObjectLister.
  ObjectLister lister;
  // Objects applied at once (in the order built, each by one of this many threads): a
  // 1,000-disk cluster is ~2,000 objects, one round trip each.
  int apply_parallelism = 8;
};

// Reconciles one CurveCluster (Rook's shape): fetch -> finalizer -> delete branch -> desired
// objects -> server-side apply (field manager "curve-operator"; Jobs created once) ->
// topology registered with the MDS -> status (phase; Progressing, Ready and Degraded
// conditions with observedGeneration, reason and message; per-role ready/total; per-poolset
// capacity from the MDS; the running version) and Events. Deletion: with cleanup confirmed,
// one cleanup Job per node wipes the data dirs (and disk signatures) and the finalizer goes
// when all succeeded; without, the finalizer goes at once and data stays. Every step is
// idempotent, so a restarted operator resumes where it stopped. Steady state makes no writes:
// an object whose live copy carries the desired hash and all desired fields is not applied
// again, and status and Events are written only on change. Thread-safe for distinct keys.
class ClusterReconciler {
 public:
  using RegistrarFactory =
      std::function<Result<std::unique_ptr<TopologyRegistrar>>(const std::string& addresses)>;

  ClusterReconciler(k8s::KubeClient* client, ReconcilerOptions options,
                    RegistrarFactory registrar_factory);

  // key: "namespace/name".
  Result<k8s::ReconcileResult> Reconcile(const std::string& key);

 private:
  Result<k8s::ReconcileResult> ReconcileDelete(const k8s::Json& cluster, const ClusterSpec& spec);
  Status ApplyObject(const DesiredObject& desired);
  // Builds the desired objects (ForEachDesiredObject) and applies them in build order as they
  // are built, options_.apply_parallelism at once (a bounded queue between the builder and the
  // appliers); the first failure stops applying and is returned. Records the names of the
  // desired Deployments per component in *deployments.
  Status ApplyDesiredState(const BuildContext& ctx,
                           std::map<std::string, std::set<std::string>>* deployments);
  // Objects of `resource` in `ns` ("" = all) matching `selector`: options_.lister, else a list.
  Result<std::vector<k8s::Json>> ListOwned(const k8s::Resource& resource, const std::string& ns,
                                           const std::string& selector);
  Result<TopologyRegistrar*> RegistrarFor(const std::string& addresses);
  void Event(const k8s::Json& cluster, const std::string& type, const std::string& reason,
             const std::string& message);

  k8s::KubeClient* const client_;
  const ReconcilerOptions options_;
  const RegistrarFactory registrar_factory_;
  k8s::EventRecorder events_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<TopologyRegistrar>> registrars_;
};

}  // namespace curve::op
