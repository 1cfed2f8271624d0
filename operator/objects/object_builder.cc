#include "operator/objects/object_builder.h"

#include <cstdio>

#include "operator/k8s/object_meta.h"

namespace curve::op {

std::string BuildContext::name() const { return k8s::Name(cluster); }
std::string BuildContext::ns() const { return k8s::Namespace(cluster); }

std::string BuildContext::AddressOf(const std::string& node) const {
  auto it = nodes.find(node);
  return it == nodes.end() ? node : it->second.address;
}

std::vector<std::string> BuildContext::ServiceNodes() const {
  size_t count = spec.nodes.size() >= 3 ? 3 : 1;
  return {spec.nodes.begin(), spec.nodes.begin() + count};
}

std::string BuildContext::MdsAddresses() const {
  std::string out;
  for (const auto& n : ServiceNodes()) {
    out += (out.empty() ? "" : ",") + AddressOf(n) + ":" + std::to_string(spec.mds_port);
  }
  return out;
}

std::string BuildContext::EtcdEndpoints() const {
  std::string out;
  for (const auto& n : ServiceNodes()) {
    out += (out.empty() ? "" : ",") + AddressOf(n) + ":" + std::to_string(spec.etcd_client_port);
  }
  return out;
}

std::string ObjectName(const std::vector<std::string>& parts) {
  std::string name;
  for (const auto& part : parts) {
    if (!name.empty()) name += '-';
    for (char c : part) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      name += (std::isalnum(static_cast<unsigned char>(c)) ? c : '-');
    }
  }
  while (!name.empty() && name.back() == '-') name.pop_back();
  if (name.size() <= 63) return name;
  uint32_t hash = 2166136261u;  // FNV-1a
  for (char c : name) hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  char suffix[10];
  std::snprintf(suffix, sizeof(suffix), "-%08x", hash);
  std::string cut = name.substr(0, 54);
  while (!cut.empty() && cut.back() == '-') cut.pop_back();
  return cut + suffix;
}

std::string MemberId(int index) { return std::string(1, static_cast<char>('a' + index)); }

Json NewObject(const BuildContext& ctx, const std::string& api_version, const std::string& kind,
               const std::string& name, const std::string& component,
               const std::map<std::string, std::string>& extra_labels) {
  Json labels = {{kLabelName, "curve"},
                 {kLabelInstance, ctx.name()},
                 {kLabelComponent, component},
                 {kLabelManagedBy, kManagedBy},
                 {kLabelCluster, ctx.name()}};
  for (const auto& [k, v] : extra_labels) labels[k] = v;
  return {{"apiVersion", api_version},
          {"kind", kind},
          {"metadata",
           {{"name", name},
            {"namespace", ctx.ns()},
            {"labels", labels},
            {"ownerReferences", Json::array({k8s::MakeOwnerReference(ctx.cluster)})}}}};
}

Json ComponentSelector(const BuildContext& ctx, const std::string& component) {
  return {{kLabelInstance, ctx.name()}, {kLabelComponent, component}};
}

Json PinnedPodSpec(const BuildContext& ctx, const std::string& node, Json containers,
                   Json volumes) {
  for (auto& c : containers) {
    c["image"] = ctx.spec.image;
    c["imagePullPolicy"] = ctx.spec.image_pull_policy;
  }
  return {{"hostNetwork", true},
          {"dnsPolicy", "ClusterFirstWithHostNet"},
          {"affinity",
           {{"nodeAffinity",
             {{"requiredDuringSchedulingIgnoredDuringExecution",
               {{"nodeSelectorTerms",
                 Json::array({{{"matchExpressions",
                                Json::array({{{"key", kHostnameLabel},
                                              {"operator", "In"},
                                              {"values", Json::array({node})}}})}}})}}}}}}},
          {"tolerations", Json::array({{{"key", "node.kubernetes.io/not-ready"},
                                        {"operator", "Exists"},
                                        {"effect", "NoExecute"},
                                        {"tolerationSeconds", 300}}})},
          {"containers", std::move(containers)},
          {"volumes", std::move(volumes)}};
}

Json SingletonDeployment(const BuildContext& ctx, const std::string& name,
                         const std::string& component,
                         const std::map<std::string, std::string>& labels, Json pod_spec) {
  Json object = NewObject(ctx, "apps/v1", "Deployment", name, component, labels);
  Json selector = ComponentSelector(ctx, component);
  selector["app.kubernetes.io/member"] = name;
  Json pod_labels = object["metadata"]["labels"];
  pod_labels["app.kubernetes.io/member"] = name;
  object["spec"] = {{"replicas", 1},
                    {"strategy", {{"type", "Recreate"}}},
                    {"selector", {{"matchLabels", selector}}},
                    {"template", {{"metadata", {{"labels", pod_labels}}}, {"spec", pod_spec}}}};
  return object;
}

Json HostPathVolume(const std::string& name, const std::string& path) {
  return {{"name", name}, {"hostPath", {{"path", path}, {"type", "DirectoryOrCreate"}}}};
}

Json ConfigMapVolume(const std::string& name, const std::string& config_map) {
  return {{"name", name}, {"configMap", {{"name", config_map}}}};
}

DesiredObject ConfigMapObject(const BuildContext& ctx, const std::string& name,
                              const std::string& component, const Json& data) {
  Json object = NewObject(ctx, "v1", "ConfigMap", name, component);
  object["data"] = data;
  return {k8s::resources::kConfigMaps, std::move(object)};
}

DesiredObject DisruptionBudget(const BuildContext& ctx, const std::string& component) {
  Json object = NewObject(ctx, "policy/v1", "PodDisruptionBudget",
                          ObjectName({ctx.name(), component}), component);
  object["spec"] = {{"maxUnavailable", 1},
                    {"selector", {{"matchLabels", ComponentSelector(ctx, component)}}}};
  return {k8s::resources::kPodDisruptionBudgets, std::move(object)};
}

DesiredObject ServiceObject(const BuildContext& ctx, const std::string& component,
                            const std::vector<std::pair<std::string, int>>& ports, bool headless) {
  Json object = NewObject(ctx, "v1", "Service", ObjectName({ctx.name(), component}), component);
  Json port_list = Json::array();
  for (const auto& [name, port] : ports) {
    port_list.push_back(
        {{"name", name}, {"port", port}, {"targetPort", port}, {"protocol", "TCP"}});
  }
  object["spec"] = {{"selector", ComponentSelector(ctx, component)}, {"ports", port_list}};
  if (headless) {
    object["spec"]["clusterIP"] = "None";
    object["spec"]["publishNotReadyAddresses"] = true;
  }
  return {k8s::resources::kServices, std::move(object)};
}

std::string ConfigFile(const std::map<std::string, std::string>& entries) {
  std::string out;
  // YAML: dotted keys at the top level, values as double-quoted (JSON-escaped) strings.
  for (const auto& [k, v] : entries) out += k + ": " + Json(v).dump() + "\n";
  return out;
}

}  // namespace curve::op
