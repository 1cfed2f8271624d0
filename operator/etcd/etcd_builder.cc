#include "operator/etcd/etcd_builder.h"

#include "operator/k8s/object_meta.h"

namespace curve::op {

std::vector<DesiredObject> BuildEtcd(const BuildContext& ctx) {
  std::vector<DesiredObject> out;
  const auto nodes = ctx.ServiceNodes();
  const std::string config_name = ObjectName({ctx.name(), "etcd", "config"});
  std::string initial_cluster;
  for (size_t i = 0; i < nodes.size(); ++i) {
    initial_cluster += (i ? "," : "") + ObjectName({ctx.name(), "etcd", MemberId(i)}) + "=http://" +
                       ctx.AddressOf(nodes[i]) + ":" + std::to_string(ctx.spec.etcd_peer_port);
  }
  std::map<std::string, std::string> config = {
      {"initial-cluster", initial_cluster},
      {"initial-cluster-token", ctx.name() + "-" + k8s::Uid(ctx.cluster)},
      {"initial-cluster-state", "new"},
      {"client-port", std::to_string(ctx.spec.etcd_client_port)},
      {"peer-port", std::to_string(ctx.spec.etcd_peer_port)}};
  for (const auto& [k, v] : ctx.spec.etcd_config) config[k] = v;
  out.push_back(ConfigMapObject(ctx, config_name, "etcd", {{"etcd.conf", ConfigFile(config)}}));

  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string member = ObjectName({ctx.name(), "etcd", MemberId(i)});
    const std::string address = ctx.AddressOf(nodes[i]);
    Json container = {
        {"name", "etcd"},
        {"command", Json::array({"etcd"})},
        {"args",
         Json::array(
             {"--name=" + member, "--data-dir=/curvebs/etcd/data",
              "--listen-peer-urls=http://0.0.0.0:" + std::to_string(ctx.spec.etcd_peer_port),
              "--listen-client-urls=http://0.0.0.0:" + std::to_string(ctx.spec.etcd_client_port),
              "--initial-advertise-peer-urls=http://" + address + ":" +
                  std::to_string(ctx.spec.etcd_peer_port),
              "--advertise-client-urls=http://" + address + ":" +
                  std::to_string(ctx.spec.etcd_client_port),
              "--initial-cluster=" + initial_cluster,
              "--initial-cluster-token=" + config.at("initial-cluster-token"),
              "--initial-cluster-state=new"})},
        {"ports", Json::array({{{"name", "client"}, {"containerPort", ctx.spec.etcd_client_port}},
                               {{"name", "peer"}, {"containerPort", ctx.spec.etcd_peer_port}}})},
        {"readinessProbe",
         {{"tcpSocket", {{"port", ctx.spec.etcd_client_port}}}, {"periodSeconds", 5}}},
        {"volumeMounts", Json::array({{{"name", "data"}, {"mountPath", "/curvebs/etcd"}},
                                      {{"name", "config"}, {"mountPath", "/etc/curve"}}})}};
    Json volumes = Json::array({HostPathVolume("data", ctx.spec.host_data_dir + "/etcd"),
                                ConfigMapVolume("config", config_name)});
    out.push_back(
        {k8s::resources::kDeployments,
         SingletonDeployment(ctx, member, "etcd", {{kLabelNode, nodes[i]}},
                             PinnedPodSpec(ctx, nodes[i], Json::array({container}), volumes))});
  }
  out.push_back(ServiceObject(
      ctx, "etcd", {{"client", ctx.spec.etcd_client_port}, {"peer", ctx.spec.etcd_peer_port}},
      /*headless=*/true));
  out.push_back(DisruptionBudget(ctx, "etcd"));
  return out;
}

}  // namespace curve::op
