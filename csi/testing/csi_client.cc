#include "csi/testing/csi_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "csi/node/linux_mounter.h"
#include "csi/testing/csi_cluster.h"

namespace curve::csi::testing {

namespace v1 = ::csi::v1;

namespace {

grpc::ChannelArguments OwnSubchannels() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return args;
}

}  // namespace

CsiClient::CsiClient(const std::string& endpoint)
    : channel_(grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(),
                                         OwnSubchannels())),
      controller_(v1::Controller::NewStub(channel_)),
      node_(v1::Node::NewStub(channel_)) {}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

bool IsMounted(const std::string& path) {
  LinuxMounter mounter;
  return mounter.FindMount(path).ok();
}

std::string StatsCondition(CsiClient& client, const std::string& id, const std::string& path) {
  v1::NodeGetVolumeStatsRequest request;
  request.set_volume_id(id);
  request.set_volume_path(path);
  v1::NodeGetVolumeStatsResponse response;
  auto status = client.Call(client.node_, &v1::Node::Stub::NodeGetVolumeStats, request, &response);
  if (!status.ok()) return "error: " + status.error_message();
  const auto& condition = response.volume_condition();
  return (condition.abnormal() ? "ABNORMAL: " : "") + condition.message();
}

v1::VolumeCapability MountCapability(const std::string& fs_type) {
  v1::VolumeCapability capability;
  capability.mutable_mount()->set_fs_type(fs_type);
  capability.mutable_access_mode()->set_mode(v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  return capability;
}

v1::Volume CreateVolume(CsiClient& client, const CsiCluster& cluster, const std::string& name,
                        const v1::VolumeCapability& capability, int64_t bytes) {
  v1::CreateVolumeRequest create;
  create.set_name(name);
  (*create.mutable_parameters())["poolset"] = cluster.poolset();
  *create.add_volume_capabilities() = capability;
  if (bytes > 0) create.mutable_capacity_range()->set_required_bytes(bytes);
  v1::CreateVolumeResponse created;
  auto status =
      client.Call(client.controller_, &v1::Controller::Stub::CreateVolume, create, &created);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return created.volume();
}

grpc::Status NodeStage(CsiClient& client, const CsiCluster& cluster, const std::string& name,
                       const v1::Volume& volume, const v1::VolumeCapability& capability) {
  std::string staging = cluster.dir() + "/" + name + "/staging";
  std::filesystem::create_directories(staging);
  v1::NodeStageVolumeRequest stage;
  stage.set_volume_id(volume.volume_id());
  stage.set_staging_target_path(staging);
  *stage.mutable_volume_capability() = capability;
  *stage.mutable_volume_context() = volume.volume_context();
  v1::NodeStageVolumeResponse staged;
  return client.Call(client.node_, &v1::Node::Stub::NodeStageVolume, stage, &staged);
}

std::string CreateStagePublish(CsiClient& client, const CsiCluster& cluster,
                               const std::string& name, const v1::VolumeCapability& capability,
                               int64_t bytes) {
  v1::Volume volume = CreateVolume(client, cluster, name, capability, bytes);
  if (volume.volume_id().empty()) return "";
  auto status = NodeStage(client, cluster, name, volume, capability);
  EXPECT_TRUE(status.ok()) << status.error_message();
  if (!status.ok()) return "";
  v1::NodePublishVolumeRequest publish;
  publish.set_volume_id(volume.volume_id());
  publish.set_staging_target_path(cluster.dir() + "/" + name + "/staging");
  publish.set_target_path(cluster.dir() + "/" + name + "/target");
  *publish.mutable_volume_capability() = capability;
  v1::NodePublishVolumeResponse published;
  status = client.Call(client.node_, &v1::Node::Stub::NodePublishVolume, publish, &published);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return status.ok() ? volume.volume_id() : "";
}

grpc::Status UnpublishUnstage(CsiClient& client, const CsiCluster& cluster, const std::string& name,
                              const std::string& id) {
  v1::NodeUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(id);
  unpublish.set_target_path(cluster.dir() + "/" + name + "/target");
  v1::NodeUnpublishVolumeResponse unpublished;
  auto status =
      client.Call(client.node_, &v1::Node::Stub::NodeUnpublishVolume, unpublish, &unpublished);
  if (!status.ok()) return status;
  v1::NodeUnstageVolumeRequest unstage;
  unstage.set_volume_id(id);
  unstage.set_staging_target_path(cluster.dir() + "/" + name + "/staging");
  v1::NodeUnstageVolumeResponse unstaged;
  return client.Call(client.node_, &v1::Node::Stub::NodeUnstageVolume, unstage, &unstaged);
}

}  // namespace curve::csi::testing
