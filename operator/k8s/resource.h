#pragma once

#include <string>
#include <string_view>

namespace curve::k8s {

// A kind of object the API server serves, named the way its REST paths name it:
// {"", "v1", "configmaps"} or {"coordination.k8s.io", "v1", "leases"}.
struct Resource {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, lower case
  bool namespaced = true;

  // "v1" for the core group, else "group/version": the objects' apiVersion.
  std::string ApiVersion() const;

  // The REST path of the collection (name empty) or of one object, e.g.
  // "/api/v1/namespaces/ns/configmaps/cm" or "/apis/g/v1/things" (all namespaces when `ns` is
  // empty; `ns` is ignored for cluster-scoped resources). `subresource` ("status") is appended
  // when given with a name.
  std::string Path(std::string_view ns, std::string_view name = {},
                   std::string_view subresource = {}) const;

  // "configmaps" or "leases.coordination.k8s.io", for messages.
  std::string ToString() const;

  bool operator==(const Resource&) const = default;
};

// Resources the operator uses.
namespace resources {
inline const Resource kConfigMaps{"", "v1", "configmaps"};
inline const Resource kSecrets{"", "v1", "secrets"};
inline const Resource kServices{"", "v1", "services"};
inline const Resource kPods{"", "v1", "pods"};
inline const Resource kEvents{"", "v1", "events"};
inline const Resource kNamespaces{"", "v1", "namespaces", false};
inline const Resource kNodes{"", "v1", "nodes", false};
inline const Resource kLeases{"coordination.k8s.io", "v1", "leases"};
inline const Resource kDeployments{"apps", "v1", "deployments"};
inline const Resource kStatefulSets{"apps", "v1", "statefulsets"};
inline const Resource kDaemonSets{"apps", "v1", "daemonsets"};
inline const Resource kJobs{"batch", "v1", "jobs"};
inline const Resource kPodDisruptionBudgets{"policy", "v1", "poddisruptionbudgets"};
inline const Resource kCustomResourceDefinitions{"apiextensions.k8s.io", "v1",
                                                 "customresourcedefinitions", false};
}  // namespace resources

}  // namespace curve::k8s
