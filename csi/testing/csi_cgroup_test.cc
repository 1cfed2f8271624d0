// The node plugin's container dies, its attach daemons live on. Without Kubernetes: curve-csi
// runs inside a fresh cgroup in every hierarchy standing in for its container, and "the
// container is killed" the way runc does it (freeze, SIGKILL every pid in the cgroups, thaw). With
// --attachCgroupRoot the curve-attachd of a published volume is in cgroup curve-attach instead,
// survives, keeps serving the mount, and a new plugin adopts it. Without the option the kill takes
// the daemon too, and the new plugin attaches the volume again and remounts its staging path.
// Needs root, /dev/fuse, loop devices and a writable /sys/fs/cgroup.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "csi/node/linux_mounter.h"
#include "csi/testing/csi_client.h"
#include "csi/testing/csi_cluster.h"
#include "csi/util/exec.h"
#include "services/attach/attach_cgroup.h"
#include "services/attach/attach_state.h"

namespace curve::csi::testing {
namespace {

namespace v1 = ::csi::v1;
constexpr char kCgroupRoot[] = "/sys/fs/cgroup";

std::set<pid_t> Procs(const std::vector<std::string>& cgroups) {
  std::set<pid_t> pids;
  for (const auto& cgroup : cgroups) {
    std::ifstream procs(cgroup + "/cgroup.procs");
    pid_t pid = 0;
    while (procs >> pid) pids.insert(pid);
  }
  return pids;
}

bool WriteTo(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  file.flush();
  return file.good();
}

// What runc does to a container's processes when it is killed: freeze the cgroup (the v1
// freezer, or cgroup.freeze of a v2 tree), SIGKILL every process in it, thaw, and wait until the
// cgroups are empty. Returns how many were killed.
size_t KillLikeRunc(const std::vector<std::string>& cgroups) {
  // runc on a hybrid layout uses the v1 freezer; cgroup.freeze only without one.
  std::string state, frozen = "FROZEN", thawed = "THAWED", events, expect_frozen = "FROZEN\n";
  for (const auto& cgroup : cgroups) {
    if (std::filesystem::exists(cgroup + "/freezer.state"))
      state = events = cgroup + "/freezer.state";
  }
  for (const auto& cgroup : cgroups) {
    if (!state.empty()) break;
    if (std::filesystem::exists(cgroup + "/cgroup.freeze")) {
      state = cgroup + "/cgroup.freeze";
      events = cgroup + "/cgroup.events";
      frozen = "1";
      thawed = "0";
      expect_frozen = "frozen 1";
    }
  }
  EXPECT_FALSE(state.empty()) << "no freezer among the container's cgroups";
  EXPECT_TRUE(WriteTo(state, frozen));
  EXPECT_TRUE(curve::testing::PollUntil(
      [&] { return ReadFile(events).find(expect_frozen) != std::string::npos; },
      std::chrono::seconds(10)));
  std::set<pid_t> pids = Procs(cgroups);
  for (pid_t pid : pids) kill(pid, SIGKILL);
  EXPECT_TRUE(WriteTo(state, thawed));
  EXPECT_TRUE(
      curve::testing::PollUntil([&] { return Procs(cgroups).empty(); }, std::chrono::seconds(10)));
  return pids.size();
}

// Every line of /proc/<pid>/cgroup ("id:controllers:path").
std::vector<std::string> CgroupPaths(pid_t pid) {
  std::vector<std::string> paths;
  std::istringstream lines(ReadFile("/proc/" + std::to_string(pid) + "/cgroup"));
  std::string line;
  while (std::getline(lines, line)) paths.push_back(line.substr(line.rfind(':') + 1));
  return paths;
}

class CsiCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root, /dev/fuse and loop devices";
    }
    auto container =
        attach::PrepareCgroups(kCgroupRoot, "curve-csi-test-container-" + std::to_string(getpid()));
    ASSERT_TRUE(container.ok()) << container.status();
    container_ = *container;
  }
  void TearDown() override {
    if (cluster_) {
      cluster_->KillCsi();
      std::string cleaned = cluster_->CleanUpMountsAndLoops();
      if (!cleaned.empty()) std::cerr << "cleanup:\n" << cleaned;
      cluster_.reset();
    }
    for (const auto& cgroup : container_) {
      curve::testing::PollUntil([&] { return rmdir(cgroup.c_str()) == 0 || errno == ENOENT; },
                                std::chrono::seconds(5));
    }
  }

  void StartCluster(std::vector<std::string> csi_args) {
    CsiClusterOptions options;
    options.mds_bin = CURVE_MDS_BIN;
    options.csi_bin = CURVE_CSI_BIN;
    options.attacher = "curve";
    options.csi_args = std::move(csi_args);
    options.csi_cgroups = container_;
    auto cluster = CsiCluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(cluster).value();
  }

  // Stages and publishes an ext4 volume and writes a file into it; returns its id.
  std::string PublishWithData(CsiClient& client) {
    std::string id = CreateStagePublish(client, *cluster_, "vol", MountCapability("ext4"));
    if (id.empty()) return id;
    EXPECT_TRUE(WriteTo(Target() + "/before", "written before the kill"));
    EXPECT_TRUE(RunCommand({"sync", "-f", Target() + "/before"}).ok());
    return id;
  }

  // The published mount still holds the file written before the kill and takes a new file
  // `name` (written, synced, read back).
  void ExpectTargetServes(const std::string& name, const std::string& text) {
    EXPECT_EQ(ReadFile(Target() + "/before"), "written before the kill");
    ASSERT_TRUE(WriteTo(Target() + "/" + name, text));
    ASSERT_TRUE(RunCommand({"sync", "-f", Target() + "/" + name}).ok());
    EXPECT_EQ(ReadFile(Target() + "/" + name), text);
  }

  std::string Staging() const { return cluster_->dir() + "/vol/staging"; }
  std::string Target() const { return cluster_->dir() + "/vol/target"; }

  std::vector<std::string> container_;
  std::unique_ptr<CsiCluster> cluster_;
};

TEST_F(CsiCgroupTest, AttachDaemonSurvivesThePluginContainer) {
  StartCluster({std::string("--attachCgroupRoot=") + kCgroupRoot});
  CsiClient client(cluster_->endpoint());
  std::string id = PublishWithData(client);
  ASSERT_FALSE(id.empty());
  auto daemons = attach::ListAttachStates(cluster_->attach_dir());
  ASSERT_EQ(daemons.size(), 1u);
  const attach::AttachState daemon = daemons[0];
  // The plugin is in the container's cgroups, its daemon in curve-attach in every hierarchy.
  EXPECT_FALSE(Procs(container_).empty());
  EXPECT_EQ(Procs(container_).count(daemon.pid), 0u);
  for (const auto& path : CgroupPaths(daemon.pid)) EXPECT_EQ(path, "/curve-attach");

  EXPECT_GE(KillLikeRunc(container_), 1u);
  cluster_->KillCsi();
  ASSERT_TRUE(attach::AttachDaemonAlive(daemon.pid));
  ExpectTargetServes("during", "written while the plugin was gone");
  if (HasFatalFailure()) return;

  // A new container: the plugin adopts the running daemon.
  ASSERT_TRUE(cluster_->StartCsi().ok());
  CsiClient again(cluster_->endpoint());
  daemons = attach::ListAttachStates(cluster_->attach_dir());
  ASSERT_EQ(daemons.size(), 1u);
  EXPECT_EQ(daemons[0].pid, daemon.pid);
  EXPECT_EQ(daemons[0].device, daemon.device);
  EXPECT_EQ(StatsCondition(again, id, Target()), "volume is attached and mounted");
  auto status = UnpublishUnstage(again, *cluster_, "vol", id);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(IsMounted(Staging()));
  EXPECT_FALSE(attach::AttachDaemonAlive(daemon.pid));
  EXPECT_TRUE(attach::ListAttachStates(cluster_->attach_dir()).empty());
}

// A daemon started before the option was set is moved out of the container's cgroups when the
// plugin restarts with it, and then survives the container.
TEST_F(CsiCgroupTest, RestartWithTheOptionAdoptsRunningDaemons) {
  StartCluster({});
  CsiClient client(cluster_->endpoint());
  std::string id = PublishWithData(client);
  ASSERT_FALSE(id.empty());
  auto daemons = attach::ListAttachStates(cluster_->attach_dir());
  ASSERT_EQ(daemons.size(), 1u);
  const attach::AttachState daemon = daemons[0];
  EXPECT_EQ(Procs(container_).count(daemon.pid), 1u);

  cluster_->KillCsi();
  ASSERT_TRUE(cluster_->StartCsi({std::string("--attachCgroupRoot=") + kCgroupRoot}).ok());
  EXPECT_EQ(Procs(container_).count(daemon.pid), 0u);
  for (const auto& path : CgroupPaths(daemon.pid)) EXPECT_EQ(path, "/curve-attach");
  EXPECT_GE(KillLikeRunc(container_), 1u);
  cluster_->KillCsi();
  ASSERT_TRUE(attach::AttachDaemonAlive(daemon.pid));
  ExpectTargetServes("after", "written after the container died");
  if (HasFatalFailure()) return;

  ASSERT_TRUE(cluster_->StartCsi({std::string("--attachCgroupRoot=") + kCgroupRoot}).ok());
  CsiClient again(cluster_->endpoint());
  EXPECT_EQ(StatsCondition(again, id, Target()), "volume is attached and mounted");
  auto status = UnpublishUnstage(again, *cluster_, "vol", id);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(attach::AttachDaemonAlive(daemon.pid));
}

// The control: without the option the daemon dies with the container; the new plugin attaches
// the volume again and remounts the staging path from the new device, the data written before
// is there, and the published mount, still on the dead device, is reported abnormal.
TEST_F(CsiCgroupTest, WithoutTheOptionTheDaemonDiesAndIsReplaced) {
  StartCluster({});
  CsiClient client(cluster_->endpoint());
  std::string id = PublishWithData(client);
  ASSERT_FALSE(id.empty());
  auto daemons = attach::ListAttachStates(cluster_->attach_dir());
  ASSERT_EQ(daemons.size(), 1u);
  const attach::AttachState daemon = daemons[0];
  EXPECT_EQ(Procs(container_).count(daemon.pid), 1u);

  EXPECT_GE(KillLikeRunc(container_), 2u);
  cluster_->KillCsi();
  EXPECT_FALSE(attach::AttachDaemonAlive(daemon.pid));

  ASSERT_TRUE(cluster_->StartCsi().ok());
  CsiClient again(cluster_->endpoint());
  // The MDS refuses to open the volume again until the dead daemon's session lease expires
  // (~10 s); the plugin retries in the background.
  LinuxMounter mounter;
  ASSERT_TRUE(curve::testing::PollUntil(
      [&] {
        daemons = attach::ListAttachStates(cluster_->attach_dir());
        auto staging = mounter.FindMount(Staging());
        return daemons.size() == 1 && daemons[0].pid != daemon.pid &&
               attach::AttachDaemonAlive(daemons[0].pid) && staging.ok() &&
               staging->source == daemons[0].device;
      },
      std::chrono::seconds(60)))
      << "the staged volume was not attached again and remounted";
  EXPECT_EQ(ReadFile(Staging() + "/before"), "written before the kill");
  std::string condition = StatsCondition(again, id, Target());
  EXPECT_EQ(condition.rfind("ABNORMAL: " + Target() + " is mounted from " + daemon.device, 0), 0u)
      << condition;
  auto status = UnpublishUnstage(again, *cluster_, "vol", id);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(IsMounted(Staging()));
  EXPECT_TRUE(attach::ListAttachStates(cluster_->attach_dir()).empty());
}

}  // namespace
}  // namespace curve::csi::testing
