// Volume expansion end to end on curve volumes: curve-csi --mode=all --attacher=curve on a
// LocalCluster (3 chunkservers), real xfs/ext4, real mounts. ControllerExpandVolume grows the MDS
// file; NodeExpandVolume makes the attach daemon re-read the size (FUSE file + LOOP_SET_CAPACITY)
// and grows the file system; a NodeStage after an expansion while unstaged grows it too. Needs
// root, /dev/fuse and loop devices.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "csi/node/linux_mounter.h"
#include "csi/testing/csi_client.h"
#include "csi/testing/csi_cluster.h"
#include "csi/testing/curve_csi_test.h"
#include "services/attach/attach_state.h"

namespace curve::csi::testing {
namespace {

namespace v1 = ::csi::v1;
constexpr int64_t kGiB = int64_t{1} << 30;
constexpr size_t kBlock = 1 << 20;

int64_t DeviceBytes(const std::string& device) {
  int fd = open(device.c_str(), O_RDONLY | O_CLOEXEC);
  uint64_t bytes = 0;
  if (fd >= 0) {
    if (ioctl(fd, BLKGETSIZE64, &bytes) != 0) bytes = 0;
    close(fd);
  }
  return static_cast<int64_t>(bytes);
}

int64_t FsBytes(const std::string& path) {
  struct statvfs vfs {};
  if (statvfs(path.c_str(), &vfs) != 0) return -1;
  return static_cast<int64_t>(vfs.f_blocks * vfs.f_frsize);
}

// A 1 MiB aligned buffer filled with `seed`-derived bytes.
struct Block {
  explicit Block(int seed) {
    data = static_cast<char*>(std::aligned_alloc(4096, kBlock));
    for (size_t i = 0; i < kBlock; ++i) data[i] = static_cast<char>((i * 31 + seed) % 251);
  }
  ~Block() { std::free(data); }
  char* data;
};

// Direct IO of one block at `offset` of `path`; false on any error or short transfer.
bool Pwrite(const std::string& path, const Block& block, int64_t offset) {
  int fd = open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok =
      pwrite(fd, block.data, kBlock, offset) == static_cast<ssize_t>(kBlock) && fdatasync(fd) == 0;
  close(fd);
  return ok;
}

bool PreadEquals(const std::string& path, const Block& expected, int64_t offset) {
  Block got(0);
  int fd = open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = pread(fd, got.data, kBlock, offset) == static_cast<ssize_t>(kBlock);
  close(fd);
  return ok && std::memcmp(got.data, expected.data, kBlock) == 0;
}

// Creates `path` holding `block`.
bool WriteDataFile(const std::string& path, const Block& block) {
  int fd = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  close(fd);
  return Pwrite(path, block, 0);
}

// The device offset of byte `offset` of `file` (FIEMAP), or -1 when the block there does not
// lie in one extent.
int64_t PhysicalOffset(const std::string& file, int64_t offset) {
  int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::vector<char> buffer(sizeof(fiemap) + sizeof(fiemap_extent));
  auto* map = reinterpret_cast<fiemap*>(buffer.data());
  map->fm_start = static_cast<uint64_t>(offset);
  map->fm_length = kBlock;
  map->fm_flags = FIEMAP_FLAG_SYNC;
  map->fm_extent_count = 1;
  int rc = ioctl(fd, FS_IOC_FIEMAP, map);
  close(fd);
  if (rc != 0 || map->fm_mapped_extents == 0) return -1;
  const fiemap_extent& extent = map->fm_extents[0];
  auto begin = static_cast<uint64_t>(offset);
  if (extent.fe_logical > begin || extent.fe_logical + extent.fe_length < begin + kBlock) {
    return -1;  // not one extent
  }
  return static_cast<int64_t>(extent.fe_physical + (offset - extent.fe_logical));
}

class CsiExpandTest : public CurveCsiTest {
 protected:
  std::string Staging(const std::string& name) { return cluster_->dir() + "/" + name + "/staging"; }
  std::string Target(const std::string& name) { return cluster_->dir() + "/" + name + "/target"; }

  // The loop device serving `id` and the size its attach daemon recorded.
  attach::AttachState Daemon(const std::string& id) {
    for (const auto& state : attach::ListAttachStates(cluster_->attach_dir())) {
      if (state.volume == id) return state;
    }
    ADD_FAILURE() << "no attach daemon serves " << id;
    return {};
  }

  grpc::Status ControllerExpand(const std::string& id, int64_t bytes,
                                const v1::VolumeCapability& capability) {
    v1::ControllerExpandVolumeRequest request;
    request.set_volume_id(id);
    request.mutable_capacity_range()->set_required_bytes(bytes);
    *request.mutable_volume_capability() = capability;
    v1::ControllerExpandVolumeResponse response;
    auto status = client_->Call(client_->controller_, &v1::Controller::Stub::ControllerExpandVolume,
                                request, &response);
    if (status.ok()) {
      EXPECT_EQ(response.capacity_bytes(), bytes);
      EXPECT_TRUE(response.node_expansion_required());
    }
    return status;
  }

  grpc::Status NodeExpand(const std::string& id, const std::string& name, int64_t bytes,
                          const v1::VolumeCapability& capability, int64_t* capacity) {
    v1::NodeExpandVolumeRequest request;
    request.set_volume_id(id);
    request.set_volume_path(Target(name));
    request.set_staging_target_path(Staging(name));
    request.mutable_capacity_range()->set_required_bytes(bytes);
    *request.mutable_volume_capability() = capability;
    v1::NodeExpandVolumeResponse response;
    auto status =
        client_->Call(client_->node_, &v1::Node::Stub::NodeExpandVolume, request, &response);
    *capacity = response.capacity_bytes();
    return status;
  }

  grpc::Status Stage(const std::string& id, const std::string& name,
                     const v1::VolumeCapability& capability) {
    v1::NodeStageVolumeRequest stage;
    stage.set_volume_id(id);
    stage.set_staging_target_path(Staging(name));
    *stage.mutable_volume_capability() = capability;
    v1::NodeStageVolumeResponse staged;
    auto status = client_->Call(client_->node_, &v1::Node::Stub::NodeStageVolume, stage, &staged);
    if (!status.ok()) return status;
    v1::NodePublishVolumeRequest publish;
    publish.set_volume_id(id);
    publish.set_staging_target_path(Staging(name));
    publish.set_target_path(Target(name));
    *publish.mutable_volume_capability() = capability;
    v1::NodePublishVolumeResponse published;
    return client_->Call(client_->node_, &v1::Node::Stub::NodePublishVolume, publish, &published);
  }

  // The grown file system holds a file larger than the old volume, and a block of it that lies
  // on the device beyond `old_bytes` is written, read back through the file system and found at
  // that device offset.
  void ExpectWritesBeyond(const std::string& mount, const std::string& device, int64_t old_bytes) {
    std::string big = mount + "/big";
    int fd = open(big.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    int rc = posix_fallocate(fd, 0, old_bytes + kGiB);
    close(fd);
    ASSERT_EQ(rc, 0) << "a file larger than the old volume must fit: " << std::strerror(rc);
    int64_t logical = -1, physical = -1;
    for (int64_t at = 0; at < old_bytes + kGiB && logical < 0; at += kGiB / 8) {
      physical = PhysicalOffset(big, at);
      if (physical >= old_bytes) logical = at;
    }
    ASSERT_GE(logical, 0) << "no block of " << big << " lies beyond " << old_bytes;
    Block block(7);
    ASSERT_TRUE(Pwrite(big, block, logical));
    EXPECT_TRUE(PreadEquals(big, block, logical));
    EXPECT_TRUE(PreadEquals(device, block, PhysicalOffset(big, logical)))
        << "the block is not at device offset " << physical;
    ASSERT_EQ(unlink(big.c_str()), 0);
  }
};

// xfs grows online while published; data written before stays; a second expansion while the
// volume is unstaged is taken up by the next NodeStage.
TEST_F(CsiExpandTest, XfsGrowsOnlineAndAtStage) {
  auto capability = MountCapability("xfs");
  std::string id = CreateStagePublish(*client_, *cluster_, "xfs", capability, 10 * kGiB);
  ASSERT_FALSE(id.empty());
  const std::string device = Daemon(id).device;
  EXPECT_EQ(DeviceBytes(device), 10 * kGiB);
  EXPECT_LT(FsBytes(Target("xfs")), 10 * kGiB);
  Block data(1);
  ASSERT_TRUE(WriteDataFile(Target("xfs") + "/data", data));

  ASSERT_TRUE(ControllerExpand(id, 20 * kGiB, capability).ok());
  EXPECT_EQ(DeviceBytes(device), 10 * kGiB) << "the device grows only at NodeExpandVolume";
  int64_t capacity = 0;
  auto status = NodeExpand(id, "xfs", 20 * kGiB, capability, &capacity);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(capacity, 20 * kGiB);
  EXPECT_EQ(Daemon(id).size, static_cast<uint64_t>(20 * kGiB));
  EXPECT_EQ(DeviceBytes(device), 20 * kGiB);
  EXPECT_GT(FsBytes(Target("xfs")), 19 * kGiB);
  EXPECT_TRUE(PreadEquals(Target("xfs") + "/data", data, 0));
  ExpectWritesBeyond(Target("xfs"), device, 10 * kGiB);

  // Expanded while unstaged: the next stage maps the bigger volume and grows the fs.
  status = UnpublishUnstage(*client_, *cluster_, "xfs", id);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(ControllerExpand(id, 30 * kGiB, capability).ok());
  status = Stage(id, "xfs", capability);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(DeviceBytes(Daemon(id).device), 30 * kGiB);
  EXPECT_GT(FsBytes(Target("xfs")), 29 * kGiB);
  EXPECT_TRUE(PreadEquals(Target("xfs") + "/data", data, 0));
  ExpectWritesBeyond(Target("xfs"), Daemon(id).device, 20 * kGiB);
  status = UnpublishUnstage(*client_, *cluster_, "xfs", id);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// ext4 grows online only with CAP_SYS_RESOURCE (the kernel's EXT4_IOC_RESIZE_FS check); without
// it NodeExpandVolume says so (FAILED_PRECONDITION) after the device took the new size, and the
// next NodeStage grows the file system offline.
TEST_F(CsiExpandTest, Ext4GrowsOnlineOrAtTheNextStage) {
  auto capability = MountCapability("ext4");
  std::string id = CreateStagePublish(*client_, *cluster_, "ext4", capability, 10 * kGiB);
  ASSERT_FALSE(id.empty());
  const std::string device = Daemon(id).device;
  Block data(2);
  ASSERT_TRUE(WriteDataFile(Target("ext4") + "/data", data));

  ASSERT_TRUE(ControllerExpand(id, 20 * kGiB, capability).ok());
  int64_t capacity = 0;
  auto status = NodeExpand(id, "ext4", 20 * kGiB, capability, &capacity);
  EXPECT_EQ(DeviceBytes(device), 20 * kGiB);
  if (HasCapSysResource()) {
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(capacity, 20 * kGiB);
    EXPECT_GT(FsBytes(Target("ext4")), 19 * kGiB);
  } else {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_NE(status.error_message().find("CAP_SYS_RESOURCE"), std::string::npos)
        << status.error_message();
    EXPECT_LT(FsBytes(Target("ext4")), 10 * kGiB);
  }
  EXPECT_TRUE(PreadEquals(Target("ext4") + "/data", data, 0));

  status = UnpublishUnstage(*client_, *cluster_, "ext4", id);
  ASSERT_TRUE(status.ok()) << status.error_message();
  status = Stage(id, "ext4", capability);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GT(FsBytes(Target("ext4")), 19 * kGiB);
  EXPECT_TRUE(PreadEquals(Target("ext4") + "/data", data, 0));
  ExpectWritesBeyond(Target("ext4"), Daemon(id).device, 10 * kGiB);
  status = UnpublishUnstage(*client_, *cluster_, "ext4", id);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// A block volume: NodeExpandVolume grows the device a pod sees; data beyond the old end works.
TEST_F(CsiExpandTest, BlockDeviceGrows) {
  v1::VolumeCapability capability;
  capability.mutable_block();
  capability.mutable_access_mode()->set_mode(v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  std::string id = CreateStagePublish(*client_, *cluster_, "block", capability, 10 * kGiB);
  ASSERT_FALSE(id.empty());
  const std::string target = Target("block");
  Block head(3), tail(4);
  ASSERT_TRUE(Pwrite(target, head, 0));
  ASSERT_TRUE(ControllerExpand(id, 20 * kGiB, capability).ok());
  int64_t capacity = 0;
  auto status = NodeExpand(id, "block", 20 * kGiB, capability, &capacity);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(capacity, 20 * kGiB);
  EXPECT_EQ(DeviceBytes(target), 20 * kGiB);
  EXPECT_TRUE(PreadEquals(target, head, 0));
  ASSERT_TRUE(Pwrite(target, tail, 15 * kGiB));
  EXPECT_TRUE(PreadEquals(target, tail, 15 * kGiB));
  status = UnpublishUnstage(*client_, *cluster_, "block", id);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace curve::csi::testing
