// Unit tests of the node side with fakes: NodeServer's stage/publish logic, restart restore,
// the stage records and mountinfo parsing.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/testing/subprocess.h"
#include "csi/driver/node_server.h"
#include "csi/node/linux_mounter.h"
#include "csi/node/stage_store.h"
#include "csi/testing/fake_node.h"
#include "csi/util/exec.h"
#include "csi/util/volume_id.h"

namespace curve::csi {
namespace {

namespace v1 = ::csi::v1;
using testing::FakeAttacher;
using testing::FakeMounter;

TEST(MountInfoTest, ParsesFieldsAndEscapes) {
  std::string text =
      "36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 - ext4 /dev/loop3 rw,errors=continue\n"
      "37 35 98:0 / /ro ro,relatime shared:2 - xfs /dev/loop4 ro\n"
      "garbage line\n";
  auto mounts = ParseMountInfo(text);
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].target, "/mnt two");
  EXPECT_EQ(mounts[0].root, "/mnt1");
  EXPECT_EQ(mounts[0].source, "/dev/loop3");
  EXPECT_EQ(mounts[0].fs_type, "ext4");
  EXPECT_FALSE(mounts[0].read_only);
  EXPECT_TRUE(mounts[1].read_only);
  EXPECT_EQ(mounts[1].fs_type, "xfs");
}

// A blank 10 GiB volume gets ext4 with every group's inode table marked zeroed, so neither
// mke2fs nor the kernel's ext4lazyinit thread writes the ~160 MiB of inode tables; mke2fs writes
// only metadata. (mkfs works on a regular file, which stands in for the device.)
TEST(LinuxMounterTest, Ext4InodeTablesAreNeitherWrittenNorZeroedLater) {
  curve::testing::TempDir dir;
  const std::string image = dir.path() + "/volume";
  std::ofstream(image).close();
  std::filesystem::resize_file(image, uint64_t{10} << 30);
  LinuxMounter mounter;
  ASSERT_TRUE(mounter.Format(image, "ext4").ok());
  EXPECT_EQ(*mounter.GetFormat(image), "ext4");
  auto groups = RunChecked({"dumpe2fs", image});
  ASSERT_TRUE(groups.ok()) << groups.status();
  std::istringstream lines(*groups);
  std::string line;
  int total = 0, zeroed = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("Group ", 0) != 0 || line.size() < 7 || !std::isdigit(line[6])) continue;
    ++total;
    zeroed += line.find("ITABLE_ZEROED") != std::string::npos;
  }
  EXPECT_EQ(total, 80);  // 128 MiB groups
  EXPECT_EQ(zeroed, total) << "groups left for ext4lazyinit to zero";
  struct stat st {};
  ASSERT_EQ(stat(image.c_str(), &st), 0);
  EXPECT_LT(st.st_blocks * 512, 16 << 20) << "mke2fs wrote " << st.st_blocks * 512 << " bytes";
}

TEST(StageStoreTest, SaveLoadRemoveAndCorruptRecords) {
  curve::testing::TempDir dir;
  StageStore store(dir.path());
  StagedVolume volume{
      "0001-03-k8s-v1", "/stage",    "/dev/loop1", false, "xfs", {"noatime"}, "k8s", "v1",
      10ll << 30,       {"/target"}, true};
  ASSERT_TRUE(store.Save(volume).ok());
  auto loaded = store.Load(volume.volume_id);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->fs_type, "xfs");
  EXPECT_EQ(loaded->targets, std::vector<std::string>{"/target"});
  EXPECT_TRUE(loaded->single_writer);
  EXPECT_EQ(loaded->mount_flags, std::vector<std::string>{"noatime"});
  EXPECT_EQ(loaded->size_bytes, 10ll << 30);
  std::ofstream(dir.path() + "/staged/broken.json") << "{not json";
  std::vector<std::string> errors;
  EXPECT_EQ(store.LoadAll(&errors).size(), 1u);
  EXPECT_EQ(errors.size(), 1u);
  ASSERT_TRUE(store.Remove(volume.volume_id).ok());
  EXPECT_EQ(store.Load(volume.volume_id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store.Remove(volume.volume_id).ok());
}

class NodeServerTest : public ::testing::Test {
 protected:
  NodeServerTest() : store_(dir_.path() + "/state") { Reset(); }
  void Reset() {
    node_ =
        std::make_unique<NodeServer>(NodeOptions{"node1", "z1", 0}, attacher_, mounter_, store_);
  }

  v1::VolumeCapability Mount(const std::string& fs = "") {
    v1::VolumeCapability capability;
    capability.mutable_mount()->set_fs_type(fs);
    capability.mutable_access_mode()->set_mode(
        v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    return capability;
  }
  grpc::Status Stage(const std::string& id, const v1::VolumeCapability& capability) {
    v1::NodeStageVolumeRequest request;
    request.set_volume_id(id);
    request.set_staging_target_path(dir_.path() + "/stage");
    *request.mutable_volume_capability() = capability;
    v1::NodeStageVolumeResponse response;
    return node_->NodeStageVolume(nullptr, &request, &response);
  }
  grpc::Status Publish(const std::string& id, const v1::VolumeCapability& capability,
                       bool readonly) {
    v1::NodePublishVolumeRequest request;
    request.set_volume_id(id);
    request.set_staging_target_path(dir_.path() + "/stage");
    request.set_target_path(dir_.path() + "/target");
    request.set_readonly(readonly);
    *request.mutable_volume_capability() = capability;
    v1::NodePublishVolumeResponse response;
    return node_->NodePublishVolume(nullptr, &request, &response);
  }

  curve::testing::TempDir dir_;
  FakeAttacher attacher_;
  FakeMounter mounter_;
  StageStore store_;
  std::unique_ptr<NodeServer> node_;
  const std::string id_ = EncodeVolumeId({"k8s", "vol1"});
};

TEST_F(NodeServerTest, StageFormatsOnceAndIsIdempotent) {
  ASSERT_TRUE(Stage(id_, Mount("xfs")).ok());
  ASSERT_TRUE(Stage(id_, Mount("xfs")).ok());
  EXPECT_EQ(mounter_.format_calls, 1);
  EXPECT_EQ(mounter_.mounts.at(dir_.path() + "/stage").fs_type, "xfs");
  EXPECT_EQ(attacher_.attached.size(), 1u);
}

TEST_F(NodeServerTest, ExistingFileSystemIsNeverReformatted) {
  mounter_.formats["/dev/fake-" + id_] = "ext4";
  ASSERT_TRUE(Stage(id_, Mount("xfs")).ok());
  EXPECT_EQ(mounter_.format_calls, 0);
  EXPECT_EQ(mounter_.mounts.at(dir_.path() + "/stage").fs_type, "ext4");
}

// A volume expanded while unstaged: ext grows offline before the mount, xfs once mounted.
TEST_F(NodeServerTest, StageGrowsAFileSystemSmallerThanItsDevice) {
  const std::string device = "/dev/fake-" + id_;
  mounter_.formats[device] = "ext4";
  mounter_.grown_devices.insert(device);
  ASSERT_TRUE(Stage(id_, Mount()).ok());
  EXPECT_EQ(mounter_.resizes, std::vector<std::string>{device + " offline"});

  const std::string other = EncodeVolumeId({"k8s", "vol2"});
  mounter_.formats["/dev/fake-" + other] = "xfs";
  mounter_.grown_devices.insert("/dev/fake-" + other);
  v1::NodeStageVolumeRequest request;
  request.set_volume_id(other);
  request.set_staging_target_path(dir_.path() + "/stage2");
  *request.mutable_volume_capability() = Mount("xfs");
  v1::NodeStageVolumeResponse response;
  ASSERT_TRUE(node_->NodeStageVolume(nullptr, &request, &response).ok());
  EXPECT_EQ(mounter_.resizes.back(), "/dev/fake-" + other + " at " + dir_.path() + "/stage2");

  // Restaged without growing since: no resize.
  mounter_.resizes.clear();
  mounter_.mounts.erase(dir_.path() + "/stage");
  ASSERT_TRUE(Stage(id_, Mount()).ok());
  EXPECT_EQ(mounter_.mounts.count(dir_.path() + "/stage"), 1u);
  EXPECT_TRUE(mounter_.resizes.empty());
}

TEST_F(NodeServerTest, ValidationErrors) {
  EXPECT_EQ(Stage("", Mount()).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Stage(id_, Mount("btrfs")).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Stage("not-an-id", Mount()).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Publish(id_, Mount(), false).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  v1::VolumeCapability rwx = Mount();
  rwx.mutable_access_mode()->set_mode(v1::VolumeCapability::AccessMode::MULTI_NODE_MULTI_WRITER);
  EXPECT_EQ(Stage(id_, rwx).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(NodeServerTest, PublishReadOnlyAndUnpublishIdempotent) {
  ASSERT_TRUE(Stage(id_, Mount()).ok());
  ASSERT_TRUE(Publish(id_, Mount(), true).ok());
  EXPECT_TRUE(mounter_.mounts.at(dir_.path() + "/target").read_only);
  ASSERT_TRUE(Publish(id_, Mount(), true).ok());
  v1::NodeUnpublishVolumeRequest request;
  request.set_volume_id(id_);
  request.set_target_path(dir_.path() + "/target");
  v1::NodeUnpublishVolumeResponse response;
  EXPECT_TRUE(node_->NodeUnpublishVolume(nullptr, &request, &response).ok());
  EXPECT_TRUE(node_->NodeUnpublishVolume(nullptr, &request, &response).ok());
  EXPECT_FALSE(mounter_.mounts.count(dir_.path() + "/target"));
}

TEST_F(NodeServerTest, SingleWriterIsPublishedOnceAtATime) {
  auto single = Mount();
  single.mutable_access_mode()->set_mode(
      v1::VolumeCapability::AccessMode::SINGLE_NODE_SINGLE_WRITER);
  ASSERT_TRUE(Stage(id_, single).ok());
  ASSERT_TRUE(Publish(id_, single, false).ok());
  ASSERT_TRUE(Publish(id_, single, false).ok());  // idempotent at the same target
  v1::NodePublishVolumeRequest other;
  other.set_volume_id(id_);
  other.set_staging_target_path(dir_.path() + "/stage");
  other.set_target_path(dir_.path() + "/other");
  *other.mutable_volume_capability() = single;
  v1::NodePublishVolumeResponse response;
  auto status = node_->NodePublishVolume(nullptr, &other, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("already published at " + dir_.path() + "/target"),
            std::string::npos)
      << status.error_message();
  // A multi-writer publication elsewhere is refused too while the single writer holds it.
  *other.mutable_volume_capability() = Mount();
  EXPECT_EQ(node_->NodePublishVolume(nullptr, &other, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  v1::NodeUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(id_);
  unpublish.set_target_path(dir_.path() + "/target");
  v1::NodeUnpublishVolumeResponse unpublished;
  ASSERT_TRUE(node_->NodeUnpublishVolume(nullptr, &unpublish, &unpublished).ok());
  *other.mutable_volume_capability() = single;
  EXPECT_TRUE(node_->NodePublishVolume(nullptr, &other, &response).ok());
  // SINGLE_NODE_MULTI_WRITER: any number of targets.
  ASSERT_TRUE(node_->NodeUnpublishVolume(nullptr, &unpublish, &unpublished).ok());
  unpublish.set_target_path(dir_.path() + "/other");
  ASSERT_TRUE(node_->NodeUnpublishVolume(nullptr, &unpublish, &unpublished).ok());
  auto multi = Mount();
  multi.mutable_access_mode()->set_mode(v1::VolumeCapability::AccessMode::SINGLE_NODE_MULTI_WRITER);
  ASSERT_TRUE(Publish(id_, multi, false).ok());
  *other.mutable_volume_capability() = multi;
  EXPECT_TRUE(node_->NodePublishVolume(nullptr, &other, &response).ok());
}

TEST_F(NodeServerTest, RestartRestoresStagedVolumes) {
  ASSERT_TRUE(Stage(id_, Mount()).ok());
  // A restart: the attach and the staging mount are gone (e.g. after a node reboot).
  attacher_.attached.clear();
  mounter_.mounts.clear();
  Reset();
  EXPECT_EQ(node_->RestoreStaged(), 1);
  EXPECT_EQ(attacher_.attached.count(id_), 1u);
  EXPECT_EQ(mounter_.mounts.count(dir_.path() + "/stage"), 1u);
  EXPECT_EQ(mounter_.format_calls, 1);  // restored, not reformatted
}

// The attach daemon died with the plugin: the volume comes back on another device and the
// staging mount, still on the dead one, is remounted from it.
TEST_F(NodeServerTest, RestoreRemountsFromTheNewDevice) {
  ASSERT_TRUE(Stage(id_, Mount()).ok());
  attacher_.attached.clear();
  attacher_.device_prefix = "/dev/fake2-";
  mounter_.formats["/dev/fake2-" + id_] = mounter_.formats.at("/dev/fake-" + id_);
  Reset();
  EXPECT_EQ(node_->RestoreStaged(), 1);
  EXPECT_EQ(mounter_.mounts.at(dir_.path() + "/stage").source, "/dev/fake2-" + id_);
  EXPECT_EQ(store_.Load(id_)->device, "/dev/fake2-" + id_);
  EXPECT_EQ(mounter_.format_calls, 1);
}

TEST_F(NodeServerTest, RestoreRetriesInTheBackground) {
  ASSERT_TRUE(Stage(id_, Mount()).ok());
  attacher_.attached.clear();
  mounter_.mounts.clear();
  attacher_.failing_attaches = 3;  // e.g. the MDS still holds a dead daemon's session
  NodeOptions options{"node1", "z1", 0};
  options.restore_retry_interval = std::chrono::milliseconds(10);
  node_ = std::make_unique<NodeServer>(options, attacher_, mounter_, store_);
  EXPECT_EQ(node_->RestoreStaged(), 0);
  // Stage, then three refused attaches and the one that works.
  EXPECT_TRUE(curve::testing::PollUntil([&] { return attacher_.attach_calls >= 5; },
                                        std::chrono::seconds(10)));
  node_.reset();  // joins the retries
  EXPECT_EQ(attacher_.attached.count(id_), 1u);
  EXPECT_EQ(mounter_.mounts.count(dir_.path() + "/stage"), 1u);
}

TEST_F(NodeServerTest, UnstageWorksAfterLossOfState) {
  ASSERT_TRUE(Stage(id_, Mount()).ok());
  std::filesystem::remove_all(dir_.path() + "/state");
  v1::NodeUnstageVolumeRequest request;
  request.set_volume_id(id_);
  request.set_staging_target_path(dir_.path() + "/stage");
  v1::NodeUnstageVolumeResponse response;
  EXPECT_TRUE(node_->NodeUnstageVolume(nullptr, &request, &response).ok());
  EXPECT_TRUE(attacher_.attached.empty());
  EXPECT_TRUE(mounter_.mounts.empty());
}

// A stage failing after the attach (here the mount) detaches the volume and drops its record,
// so no attach daemon or loop device is left behind; a retry attaches again.
TEST_F(NodeServerTest, FailedStageDetachesTheVolume) {
  mounter_.mount_error = InternalError("mount: bad option");
  EXPECT_EQ(Stage(id_, Mount()).error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_TRUE(attacher_.attached.empty());
  EXPECT_EQ(store_.Load(id_).status().code(), StatusCode::kNotFound);
  // A half-done stage (attached and recorded, not mounted, e.g. the plugin crashed) that fails
  // again is undone too.
  ASSERT_TRUE(attacher_.Attach({id_, "k8s", "vol1", 0}).ok());
  StagedVolume half;
  half.volume_id = id_;
  half.staging_path = dir_.path() + "/stage";
  half.device = "/dev/fake-" + id_;
  half.fs_type = "ext4";
  half.user = "k8s";
  half.file_name = "vol1";
  ASSERT_TRUE(store_.Save(half).ok());
  EXPECT_FALSE(Stage(id_, Mount()).ok());
  EXPECT_TRUE(attacher_.attached.empty());
  EXPECT_EQ(store_.Load(id_).status().code(), StatusCode::kNotFound);

  mounter_.mount_error = Status::Ok();
  ASSERT_TRUE(Stage(id_, Mount()).ok());
  EXPECT_EQ(attacher_.attached.count(id_), 1u);
}

// A volume staged and published by an earlier NodeStage stays attached, with its record and
// publications, when a repeated stage fails (here: its staging mount vanished and cannot be made
// again).
TEST_F(NodeServerTest, FailedRestageKeepsAStagedVolume) {
  ASSERT_TRUE(Stage(id_, Mount()).ok());
  ASSERT_TRUE(Publish(id_, Mount(), false).ok());
  ASSERT_TRUE(Stage(id_, Mount()).ok());  // repeated: the record keeps the publication
  EXPECT_EQ(store_.Load(id_)->targets, std::vector<std::string>{dir_.path() + "/target"});
  mounter_.mounts.erase(dir_.path() + "/stage");
  mounter_.mount_error = InternalError("mount: no memory");
  EXPECT_FALSE(Stage(id_, Mount()).ok());
  EXPECT_EQ(attacher_.attached.count(id_), 1u);
  ASSERT_TRUE(store_.Load(id_).ok());
  EXPECT_EQ(store_.Load(id_)->targets, std::vector<std::string>{dir_.path() + "/target"});
}

TEST_F(NodeServerTest, InfoAndCapabilities) {
  v1::NodeGetInfoResponse info;
  v1::NodeGetInfoRequest info_request;
  ASSERT_TRUE(node_->NodeGetInfo(nullptr, &info_request, &info).ok());
  EXPECT_EQ(info.node_id(), "node1");
  EXPECT_EQ(info.accessible_topology().segments().at("topology.curve.io/zone"), "z1");
  v1::NodeGetCapabilitiesResponse caps;
  v1::NodeGetCapabilitiesRequest caps_request;
  ASSERT_TRUE(node_->NodeGetCapabilities(nullptr, &caps_request, &caps).ok());
  EXPECT_EQ(caps.capabilities_size(), 5);
}

}  // namespace
}  // namespace curve::csi
