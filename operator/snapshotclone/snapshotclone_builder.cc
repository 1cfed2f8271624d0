#include "operator/snapshotclone/snapshotclone_builder.h"

namespace curve::op {

std::string S3SecretName(const BuildContext& ctx) {
  if (ctx.spec.s3 && !ctx.spec.s3->secret_name.empty()) return ctx.spec.s3->secret_name;
  return ObjectName({ctx.name(), "s3", "credentials"});
}

std::vector<DesiredObject> BuildSnapshotClone(const BuildContext& ctx) {
  std::vector<DesiredObject> out;
  if (!ctx.spec.snapshot_clone_enabled || !ctx.spec.s3) return out;
  const S3Spec& s3 = *ctx.spec.s3;
  std::string access_key = s3.access_key_key, secret_key = s3.secret_key_key;
  if (s3.secret_name.empty()) {
    Json secret = NewObject(ctx, "v1", "Secret", S3SecretName(ctx), "snapshotclone");
    secret["type"] = "Opaque";
    secret["stringData"] = {{"accessKey", s3.plain_ak}, {"secretKey", s3.plain_sk}};
    out.push_back({k8s::resources::kSecrets, std::move(secret)});
    access_key = "accessKey";
    secret_key = "secretKey";
  }
  const std::string config_name = ObjectName({ctx.name(), "snapshotclone", "config"});
  std::map<std::string, std::string> config = {
      {"mds.listen.addr", ctx.MdsAddresses()},
      {"etcd.endpoints", ctx.EtcdEndpoints()},
      {"s3.nos_address", s3.nos_address},
      {"s3.snapshot_bucket_name", s3.bucket_name},
      {"server.port", std::to_string(ctx.spec.snapshot_clone_port)},
      {"server.dummy_port", std::to_string(ctx.spec.snapshot_clone_dummy_port)},
      {"server.proxy_port", std::to_string(ctx.spec.snapshot_clone_proxy_port)}};
  for (const auto& [k, v] : ctx.spec.snapshot_clone_config) config[k] = v;
  out.push_back(ConfigMapObject(ctx, config_name, "snapshotclone",
                                {{"snapshotclone.conf", ConfigFile(config)}}));
  const auto nodes = ctx.ServiceNodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string name = ObjectName({ctx.name(), "snapshotclone", MemberId(i)});
    auto secret_env = [&](const std::string& env, const std::string& key) {
      return Json{{"name", env},
                  {"valueFrom", {{"secretKeyRef", {{"name", S3SecretName(ctx)}, {"key", key}}}}}};
    };
    Json container = {
        {"name", "snapshotclone"},
        {"command", Json::array({"curve-snapshotclone"})},
        {"args", Json::array({"--config=/etc/curve/snapshotclone.conf",
                              "--listen=" + ctx.AddressOf(nodes[i]) + ":" +
                                  std::to_string(ctx.spec.snapshot_clone_port)})},
        {"env", Json::array({secret_env("S3_ACCESS_KEY", access_key),
                             secret_env("S3_SECRET_KEY", secret_key)})},
        {"ports",
         Json::array({{{"name", "rpc"}, {"containerPort", ctx.spec.snapshot_clone_port}},
                      {{"name", "proxy"}, {"containerPort", ctx.spec.snapshot_clone_proxy_port}}})},
        {"readinessProbe",
         {{"tcpSocket", {{"port", ctx.spec.snapshot_clone_port}}}, {"periodSeconds", 5}}},
        {"volumeMounts", Json::array({{{"name", "config"}, {"mountPath", "/etc/curve"}}})}};
    out.push_back({k8s::resources::kDeployments,
                   SingletonDeployment(
                       ctx, name, "snapshotclone", {{kLabelNode, nodes[i]}},
                       PinnedPodSpec(ctx, nodes[i], Json::array({container}),
                                     Json::array({ConfigMapVolume("config", config_name)})))});
  }
  out.push_back(ServiceObject(
      ctx, "snapshotclone",
      {{"rpc", ctx.spec.snapshot_clone_port}, {"proxy", ctx.spec.snapshot_clone_proxy_port}},
      false));
  out.push_back(DisruptionBudget(ctx, "snapshotclone"));
  return out;
}

}  // namespace curve::op
