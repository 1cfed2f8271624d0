#include "operator/mds/mds_builder.h"

#include "operator/objects/daemon_flags.h"

namespace curve::op {

std::vector<DesiredObject> BuildMds(const BuildContext& ctx) {
  std::vector<DesiredObject> out;
  const auto nodes = ctx.ServiceNodes();
  const std::string config_name = ObjectName({ctx.name(), "mds", "config"});
  // Keys of MdsOptions (daemon_flags.h); the ports are flags, per member.
  std::map<std::string, std::string> config = {
      {std::string(daemon::kMdsEtcdEndpoints), ctx.EtcdEndpoints()},
      {std::string(daemon::kMdsCopysetsPerChunkserver), std::to_string(ctx.spec.storage.copysets)}};
  for (const auto& [k, v] : ctx.spec.mds_config) config[k] = v;
  out.push_back(ConfigMapObject(ctx, config_name, "mds", {{"mds.conf", ConfigFile(config)}}));
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string name = ObjectName({ctx.name(), "mds", MemberId(i)});
    const std::string address = ctx.AddressOf(nodes[i]);
    Json container = {
        {"name", "mds"},
        {"command", Json::array({daemon::kMdsBinary})},
        {"args", Json::array({daemon::Flag(daemon::kConfig, "/etc/curve/mds.conf"),
                              daemon::Flag(daemon::kListen,
                                           address + ":" + std::to_string(ctx.spec.mds_port)),
                              daemon::Flag(daemon::kMdsMetricsListen,
                                           address + ":" + std::to_string(ctx.spec.mds_dummy_port)),
                              daemon::Flag(daemon::kMdsEtcdEndpoints, ctx.EtcdEndpoints())})},
        {"ports", Json::array({{{"name", "rpc"}, {"containerPort", ctx.spec.mds_port}},
                               {{"name", "dummy"}, {"containerPort", ctx.spec.mds_dummy_port}}})},
        {"readinessProbe", {{"tcpSocket", {{"port", ctx.spec.mds_port}}}, {"periodSeconds", 5}}},
        {"volumeMounts", Json::array({{{"name", "logs"}, {"mountPath", "/curvebs/mds/logs"}},
                                      {{"name", "config"}, {"mountPath", "/etc/curve"}}})}};
    Json volumes = Json::array({HostPathVolume("logs", ctx.spec.host_data_dir + "/mds/logs"),
                                ConfigMapVolume("config", config_name)});
    out.push_back(
        {k8s::resources::kDeployments,
         SingletonDeployment(ctx, name, "mds", {{kLabelNode, nodes[i]}},
                             PinnedPodSpec(ctx, nodes[i], Json::array({container}), volumes))});
  }
  out.push_back(ServiceObject(
      ctx, "mds", {{"rpc", ctx.spec.mds_port}, {"dummy", ctx.spec.mds_dummy_port}}, false));
  out.push_back(DisruptionBudget(ctx, "mds"));
  return out;
}

}  // namespace curve::op
