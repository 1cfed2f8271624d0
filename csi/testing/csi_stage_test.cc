// NodeStage on curve volumes: curve-csi --mode=all --attacher=curve on a LocalCluster (3
// chunkservers). A stage failing after the attach leaves no attach daemon, loop device or record
// behind. Needs root, /dev/fuse and loop devices.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "csi/testing/csi_client.h"
#include "csi/testing/csi_cluster.h"
#include "csi/testing/curve_csi_test.h"
#include "services/attach/attach_state.h"

namespace curve::csi::testing {
namespace {

namespace v1 = ::csi::v1;
namespace fs = std::filesystem;

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

}  // namespace
}  // namespace curve::csi::testing
