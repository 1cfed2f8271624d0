#include "operator/chunkserver/chunkserver_builder.h"

#include "operator/objects/daemon_flags.h"

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
# MOUNT_PATH is a hostPath volume, so always a mount point in this container: what counts is
# whether DEVICE is mounted there. Formatting anything else would fill the host's file system.
marker="$MOUNT_PATH/.curve-formatted"
mkdir -p "$MOUNT_PATH"
if ! findmnt -rn -S "$DEVICE" -M "$MOUNT_PATH" >/dev/null; then
  fstype="$(blkid -o value -s TYPE "$DEVICE" || true)"
  if [ -z "$fstype" ]; then
    echo "making ext4 on $DEVICE"
    mkfs.ext4 -F -q "$DEVICE"
  fi
  mount "$DEVICE" "$MOUNT_PATH"
fi
if ! findmnt -rn -S "$DEVICE" -M "$MOUNT_PATH" >/dev/null; then
  echo "$DEVICE is not mounted at $MOUNT_PATH; refusing to format" >&2
  exit 1
fi
if [ -f "$marker" ]; then
  echo "$DEVICE already formatted; nothing to do"
  exit 0
fi
)sh" + std::string(daemon::kCliBinary) +
         " chunkserver format " + daemon::Flag(daemon::kFormatDataDir, "\"$MOUNT_PATH\"") + " " +
         daemon::Flag(daemon::kFormatPercent, "\"$PERCENTAGE\"") + R"sh(
date -u +%FT%TZ > "$marker"
)sh";
}

// The chunkserver's argv: waits (in sh) for the prepare Job's marker, then execs the daemon
// with exactly these arguments ("$0" "$@").
std::vector<std::string> ChunkserverArgs(const ChunkserverPlacement& cs,
                                         const std::string& disk_type) {
  return {std::string(daemon::kChunkserverBinary),
          daemon::Flag(daemon::kConfig, "/etc/curve/chunkserver.conf"),
          daemon::Flag(daemon::kChunkserverDataDir, cs.mount_path),
          daemon::Flag(daemon::kListen, cs.address + ":" + std::to_string(cs.port)),
          daemon::Flag(daemon::kChunkserverDiskType, disk_type)};
}

std::vector<DesiredObject> BuildChunkservers(const BuildContext& ctx) {
  std::vector<DesiredObject> out;
  ForEachChunkserverObject(ctx, [&](DesiredObject object) { out.push_back(std::move(object)); });
  return out;
}

void ForEachChunkserverObject(const BuildContext& ctx,
                              const std::function<void(DesiredObject object)>& emit) {
  const std::string config_name = ObjectName({ctx.name(), "chunkserver", "config"});
  // Keys of ChunkServerOptions (daemon_flags.h); copysets per chunkserver are the MDS's.
  std::map<std::string, std::string> config = {
      {std::string(daemon::kChunkserverMdsAddresses), ctx.MdsAddresses()}};
  emit(
      ConfigMapObject(ctx, config_name, "chunkserver",
                      {{"chunkserver.conf", ConfigFile(config)}, {"prepare.sh", PrepareScript()}}));
  std::map<std::string, std::string> poolset_types;
  for (const auto& p : ctx.placement.poolsets) poolset_types[p.name] = p.type;
  for (const auto& cs : ctx.placement.chunkservers) {
    // The MDS accepts a chunkserver whose diskType is its poolset's type.
    std::string disk_type = poolset_types[cs.poolset];
    if (disk_type.empty()) disk_type = cs.device_class.empty() ? "ssd" : cs.device_class;
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
    emit({k8s::resources::kJobs, std::move(prepare), /*create_only=*/true});

    // Chunkserver.
    // The kubelet probes the pod IP (the node's address) unless told the disk's own address.
    Json probe = {{"port", cs.port}};
    if (cs.address != ctx.AddressOf(cs.node)) probe["host"] = cs.address;
    Json container = {
        {"name", "chunkserver"},
        {"command", Json::array({"/bin/sh", "-c",
                                 "until [ -f \"$MOUNT_PATH/.curve-formatted\" ]; do sleep 2; done; "
                                 "exec \"$0\" \"$@\""})},
        {"args", ChunkserverArgs(cs, disk_type)},
        {"env", env},
        {"ports", Json::array({{{"name", "rpc"}, {"containerPort", cs.port}}})},
        {"readinessProbe", {{"tcpSocket", probe}, {"periodSeconds", 5}}},
        {"securityContext", {{"privileged", true}}},
        {"volumeMounts", mounts}};
    Json deployment =
        SingletonDeployment(ctx, ChunkserverName(ctx, cs), "chunkserver", labels,
                            PinnedPodSpec(ctx, cs.node, Json::array({container}), volumes));
    deployment["metadata"]["annotations"] = {{kAnnotationPort, std::to_string(cs.port)}};
    emit({k8s::resources::kDeployments, std::move(deployment)});
  }
  emit(DisruptionBudget(ctx, "chunkserver"));
}

}  // namespace curve::op
