#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/cluster_spec.h"
#include "operator/api/node_inventory.h"
#include "operator/k8s/resource.h"
#include "operator/placement/placement.h"

namespace curve::op {

using Json = nlohmann::json;

inline constexpr char kLabelName[] = "app.kubernetes.io/name";
inline constexpr char kLabelInstance[] = "app.kubernetes.io/instance";
inline constexpr char kLabelComponent[] = "app.kubernetes.io/component";
inline constexpr char kLabelManagedBy[] = "app.kubernetes.io/managed-by";
inline constexpr char kLabelCluster[] = "curve.io/cluster";
inline constexpr char kLabelNode[] = "curve.io/node";
inline constexpr char kLabelDevice[] = "curve.io/device";
inline constexpr char kLabelPoolset[] = "curve.io/poolset";
inline constexpr char kAnnotationPort[] = "curve.io/port";
inline constexpr char kHostnameLabel[] = "kubernetes.io/hostname";
inline constexpr char kManagedBy[] = "curve-operator";

// One object the reconcile wants to exist. Applied with server-side apply, except create_only
// objects (Jobs: their pod template is immutable and a finished prepare Job is history).
struct DesiredObject {
  k8s::Resource resource;
  Json object;
  bool create_only = false;
};

// Everything a role builder reads. Pure data; builders never call the API server.
struct BuildContext {
  Json cluster;  // the CurveCluster (apiVersion, kind, metadata.name/namespace/uid)
  ClusterSpec spec;
  Placement placement;
  std::map<std::string, NodeInfo> nodes;  // by name

  std::string name() const;
  std::string ns() const;
  // The node's address (host networking), or the node name when unknown.
  std::string AddressOf(const std::string& node) const;
  // The nodes running etcd, MDS and snapshotclone: the first 3 of spec.nodes (1 stand-alone).
  std::vector<std::string> ServiceNodes() const;
  // "host:port,..." of the MDS and etcd members.
  std::string MdsAddresses() const;
  std::string EtcdEndpoints() const;
};

// A DNS-1123 label from parts joined by '-': lower case, other characters become '-'; longer
// than 63 characters is cut and suffixed with a hash of the whole, so names stay stable and
// distinct.
std::string ObjectName(const std::vector<std::string>& parts);

// Member letters: 0 -> "a", 1 -> "b", ...
std::string MemberId(int index);

// apiVersion, kind, metadata (name, namespace, labels, controller ownerReference to the
// cluster) of a new object of `component`.
Json NewObject(const BuildContext& ctx, const std::string& api_version, const std::string& kind,
               const std::string& name, const std::string& component,
               const std::map<std::string, std::string>& extra_labels = {});

// The labels that select one component's pods of this cluster.
Json ComponentSelector(const BuildContext& ctx, const std::string& component);

// A pod spec on the host network pinned to `node` (required node affinity on
// kubernetes.io/hostname), with the cluster's image and pull policy applied to `containers`.
Json PinnedPodSpec(const BuildContext& ctx, const std::string& node, Json containers, Json volumes);

// A one-replica Deployment (Recreate: never two copies of a daemon on one disk or port) running
// `pod_spec`, labelled `labels` (which include the component's selector).
Json SingletonDeployment(const BuildContext& ctx, const std::string& name,
                         const std::string& component,
                         const std::map<std::string, std::string>& labels, Json pod_spec);

Json HostPathVolume(const std::string& name, const std::string& path);
Json ConfigMapVolume(const std::string& name, const std::string& config_map);

// A ConfigMap of `component` holding `data`.
DesiredObject ConfigMapObject(const BuildContext& ctx, const std::string& name,
                              const std::string& component, const Json& data);
// A PodDisruptionBudget allowing one unavailable pod of `component`.
DesiredObject DisruptionBudget(const BuildContext& ctx, const std::string& component);
// A Service of `component` with named ports; headless when `headless`.
DesiredObject ServiceObject(const BuildContext& ctx, const std::string& component,
                            const std::vector<std::pair<std::string, int>>& ports, bool headless);

// A role config file from a map: YAML, one sorted `key: "value"` line per entry (dotted keys
// stay flat; curve daemons read them as nested keys).
std::string ConfigFile(const std::map<std::string, std::string>& entries);

}  // namespace curve::op
