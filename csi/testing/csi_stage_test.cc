// NodeStage on curve volumes: curve-csi --mode=all --attacher=curve on a LocalCluster (3
// chunkservers, 1 MiB chunks). A stage failing after the attach leaves no attach daemon, loop
// device or record behind; a fresh 10 GiB ext4 volume costs only its metadata, with no inode
// table zeroing in the background. Needs root, /dev/fuse and loop devices.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "csi/testing/csi_client.h"
#include "csi/testing/csi_cluster.h"
#include "csi/testing/curve_csi_test.h"
#include "csi/util/exec.h"
#include "services/attach/attach_state.h"

namespace curve::csi::testing {
namespace {

namespace v1 = ::csi::v1;
namespace fs = std::filesystem;
constexpr int64_t kGiB = int64_t{1} << 30;

// The pids of the curve-attachd processes serving `volume_id`.
std::vector<pid_t> AttachDaemonsOf(const std::string& volume_id) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = ReadFile(entry.path().string() + "/cmdline");
    std::vector<std::string> args;
    std::istringstream parts(cmdline);
    for (std::string arg; std::getline(parts, arg, '\0');) args.push_back(arg);
    if (args.empty() || fs::path(args[0]).filename() != "curve-attachd") continue;
    for (const auto& arg : args) {
      if (arg == "--volume=" + volume_id) pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

// The loop devices bound to a file under `dir`.
std::vector<std::string> LoopDevicesUnder(const std::string& dir) {
  std::vector<std::string> devices;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/sys/block", ec)) {
    std::string backing = ReadFile(entry.path().string() + "/loop/backing_file");
    if (backing.rfind(dir + "/", 0) == 0) devices.push_back(entry.path().filename().string());
  }
  return devices;
}

class CsiStageTest : public CurveCsiTest {
 protected:
  grpc::Status Unstage(const std::string& name, const std::string& id) {
    v1::NodeUnstageVolumeRequest unstage;
    unstage.set_volume_id(id);
    unstage.set_staging_target_path(cluster_->dir() + "/" + name + "/staging");
    v1::NodeUnstageVolumeResponse unstaged;
    return client_->Call(client_->node_, &v1::Node::Stub::NodeUnstageVolume, unstage, &unstaged);
  }

  // Chunk files left in the chunkservers' pools (each chunk written takes one per replica).
  size_t FreeChunks() const {
    size_t free = 0;
    const auto* local = cluster_->local_cluster();
    for (int i = 0; i < local->chunkserver_count(); ++i) free += local->PoolFileCount(i);
    return free;
  }
};

// Regression: a NodeStage whose mount failed (after the attach and mkfs) left its curve-attachd
// and loop device running, and nothing would ever unstage them.
TEST_F(CsiStageTest, FailedStageLeavesNoAttachDaemonOrLoopDevice) {
  auto capability = MountCapability("ext4");
  v1::Volume volume = CreateVolume(*client_, *cluster_, "fails", capability);
  const std::string& id = volume.volume_id();
  ASSERT_FALSE(id.empty());
  auto bad = capability;
  bad.mutable_mount()->add_mount_flags("curve_no_such_option");
  auto status = NodeStage(*client_, *cluster_, "fails", volume, bad);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error_message().find("curve_no_such_option"), std::string::npos)
      << status.error_message();
  EXPECT_TRUE(AttachDaemonsOf(id).empty()) << "an attach daemon still serves " << id;
  EXPECT_TRUE(LoopDevicesUnder(cluster_->attach_dir()).empty())
      << "left bound: " << LoopDevicesUnder(cluster_->attach_dir())[0];
  EXPECT_TRUE(attach::ListAttachStates(cluster_->attach_dir()).empty());
  std::error_code ec;
  EXPECT_TRUE(fs::is_empty(cluster_->dir() + "/state/staged", ec)) << "a stage record is left";

  // A retry without the bad option stages the volume (and NodeUnstage detaches it).
  status = NodeStage(*client_, *cluster_, "fails", volume, capability);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(AttachDaemonsOf(id).size(), 1u);
  ASSERT_TRUE(Unstage("fails", id).ok());
  EXPECT_TRUE(AttachDaemonsOf(id).empty());
  EXPECT_TRUE(LoopDevicesUnder(cluster_->attach_dir()).empty());
}

// Regression: ext4 was made with lazy inode table initialisation, so after the first mount the
// kernel's ext4lazyinit thread wrote ~160 MiB of zeros to every new 10 GiB volume (16 MiB per
// GiB), taking CurveBS capacity and IO for blocks that already read as zeros.
TEST_F(CsiStageTest, FreshExt4VolumeWritesOnlyItsMetadata) {
  auto capability = MountCapability("ext4");
  v1::Volume volume = CreateVolume(*client_, *cluster_, "fresh", capability, 10 * kGiB);
  ASSERT_FALSE(volume.volume_id().empty());
  size_t before = FreeChunks();
  auto status = NodeStage(*client_, *cluster_, "fresh", volume, capability);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // The mount's own metadata (its first journal commit) is written before the idle window.
  int fd = open((cluster_->dir() + "/fresh/staging").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(syncfs(fd), 0);
  close(fd);
  size_t staged = FreeChunks();
  // ext4lazyinit starts within 5 s of the mount and zeroes one group at a time; a fixed window
  // is the point here: nothing may be written while the file system sits idle.
  std::this_thread::sleep_for(std::chrono::seconds(20));
  size_t idle = FreeChunks();
  const int replicas = 3;  // 1 MiB chunks
  double stage_mib = static_cast<double>(before - staged) / replicas;
  double idle_mib = static_cast<double>(staged - idle) / replicas;
  std::printf(
      "10 GiB ext4 volume: NodeStage (mkfs + mount) and syncfs wrote into %.0f MiB of chunks, "
      "then 20 s idle %.0f MiB\n",
      stage_mib, idle_mib);
  EXPECT_LT(stage_mib, 40) << "mkfs should write metadata only";
  EXPECT_LE(idle_mib, 1) << "the idle file system was written to: background zeroing";

  auto states = attach::ListAttachStates(cluster_->attach_dir());
  ASSERT_EQ(states.size(), 1u);
  auto groups = RunChecked({"dumpe2fs", states[0].device});
  ASSERT_TRUE(groups.ok()) << groups.status();
  std::istringstream lines(*groups);
  int total = 0, zeroed = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Group ", 0) != 0 || line.find("(Blocks") == std::string::npos) continue;
    ++total;
    zeroed += line.find("ITABLE_ZEROED") != std::string::npos;
  }
  EXPECT_EQ(total, 80);
  EXPECT_EQ(zeroed, total) << "groups whose inode table the kernel would zero";
  ASSERT_TRUE(Unstage("fresh", volume.volume_id()).ok());
}

}  // namespace
}  // namespace curve::csi::testing
