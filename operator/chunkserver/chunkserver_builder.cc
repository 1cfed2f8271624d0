#include "operator/chunkserver/chunkserver_builder.h"

namespace curve::op {

std::string ChunkserverName(const BuildContext& ctx, const ChunkserverPlacement& cs) {
  return ObjectName({ctx.name(), "chunkserver", cs.node, cs.device});
}

std::string PrepareJobName(const BuildContext& ctx, const ChunkserverPlacement& cs) {
  return ObjectName({ctx.name(), "prepare", cs.node, cs.device});
}

std::string PrepareScript() {
  return R"sh(set -eu
# DEVICE MOUNT_PATH PERCENTAGE come from the Job. Never reformats: a file system is made only
# when blkid finds none, and the chunk file pool only when the marker is absent.
marker="$MOUNT_PATH/.curve-formatted"
mkdir -p "$MOUNT_PATH"
if ! mountpoint -q "$MOUNT_PATH"; then
  fstype="$(blkid -o value -s TYPE "$DEVICE" || true)"
  if [ -z "$fstype" ]; then
    echo "making ext4 on $DEVICE"
    mkfs.ext4 -F -q "$DEVICE"
  fi
  mount "$DEVICE" "$MOUNT_PATH"
fi
if [ -f "$marker" ]; then
  echo "$DEVICE already formatted; nothing to do"
  exit 0
fi
curve-format --filePoolDir="$MOUNT_PATH/chunkfilepool" \
  --filePoolMetaPath="$MOUNT_PATH/chunkfilepool.meta" --allocatePercent="$PERCENTAGE"
date -u +%FT%TZ > "$marker"
)sh";
}

std::vector<DesiredObject> BuildChunkservers(const BuildContext& ctx) {
  std::vector<DesiredObject> out;
  const std::string config_name = ObjectName({ctx.name(), "chunkserver", "config"});
  std::map<std::string, std::string> config = {
      {"mds.listen.addr", ctx.MdsAddresses()},
      {"copyset.count", std::to_string(ctx.spec.storage.copysets)}};
  out.push_back(
      ConfigMapObject(ctx, config_name, "chunkserver",
                      {{"chunkserver.conf", ConfigFile(config)}, {"prepare.sh", PrepareScript()}}));
  for (const auto& cs : ctx.placement.chunkservers) {
    std::map<std::string, std::string> labels = {
        {kLabelNode, cs.node}, {kLabelDevice, cs.device}, {kLabelPoolset, cs.poolset}};
    Json env = Json::array({{{"name", "DEVICE"}, {"value", cs.device_path}},
                            {{"name", "MOUNT_PATH"}, {"value", cs.mount_path}},
                            {{"name", "PERCENTAGE"}, {"value", std::to_string(cs.percentage)}}});
    Json mounts = Json::array(
        {{{"name", "dev"}, {"mountPath", "/dev"}},
         {{"name", "data"}, {"mountPath", cs.mount_path}, {"mountPropagation", "Bidirectional"}},
         {{"name", "config"}, {"mountPath", "/etc/curve"}}});
    Json volumes =
        Json::array({HostPathVolume("dev", "/dev"), HostPathVolume("data", cs.mount_path),
                     ConfigMapVolume("config", config_name)});

    // Prepare Job.
    Json prepare = NewObject(ctx, "batch/v1", "Job", PrepareJobName(ctx, cs), "prepare", labels);
    Json prepare_container = {{"name", "prepare"},
                              {"command", Json::array({"/bin/sh", "/etc/curve/prepare.sh"})},
                              {"env", env},
                              {"securityContext", {{"privileged", true}}},
                              {"volumeMounts", mounts}};
    Json prepare_pod = PinnedPodSpec(ctx, cs.node, Json::array({prepare_container}), volumes);
    prepare_pod["restartPolicy"] = "OnFailure";
    prepare["spec"] = {
        {"backoffLimit", 6},
        {"template",
         {{"metadata", {{"labels", prepare["metadata"]["labels"]}}}, {"spec", prepare_pod}}}};
    out.push_back({k8s::resources::kJobs, std::move(prepare), /*create_only=*/true});

    // Chunkserver.
    Json container = {
        {"name", "chunkserver"},
        {"command", Json::array({"/bin/sh", "-c"})},
        {"args",
         Json::array({"until [ -f \"$MOUNT_PATH/.curve-formatted\" ]; do sleep 2; done; exec "
                      "curve-chunkserver --config=/etc/curve/chunkserver.conf "
                      "--listen=" +
                      cs.address + ":" + std::to_string(cs.port) +
                      " --dataDir=\"$MOUNT_PATH\" --diskType=" +
                      (cs.device_class.empty() ? std::string("ssd") : cs.device_class)})},
        {"env", env},
        {"ports", Json::array({{{"name", "rpc"}, {"containerPort", cs.port}}})},
        {"readinessProbe", {{"tcpSocket", {{"port", cs.port}}}, {"periodSeconds", 5}}},
        {"securityContext", {{"privileged", true}}},
        {"volumeMounts", mounts}};
    Json deployment =
        SingletonDeployment(ctx, ChunkserverName(ctx, cs), "chunkserver", labels,
                            PinnedPodSpec(ctx, cs.node, Json::array({container}), volumes));
    deployment["metadata"]["annotations"] = {{kAnnotationPort, std::to_string(cs.port)}};
    out.push_back({k8s::resources::kDeployments, std::move(deployment)});
  }
  out.push_back(DisruptionBudget(ctx, "chunkserver"));
  return out;
}

}  // namespace curve::op
