// Conformance and restart tests of curve-csi --mode=all on the real data path: a LocalCluster
// (etcd, 3 MDS, 3 chunkservers in 3 zones) and --attacher=curve (curve-attachd per volume: FUSE
// file + loop device over libcurve), with real mkfs and mounts; needs root, /dev/fuse and loop
// devices. (A *Loopfile case would use the test-only LoopFileAttacher on a lone curve-mds; its
// csi-sanity counts were identical, so none is registered.) csi-sanity comes from
// scripts/go-tools.sh (built into a cache outside the clone).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "csi/node/linux_mounter.h"
#include "csi/node/loop_file_attacher.h"
#include "csi/testing/csi_client.h"
#include "csi/testing/csi_cluster.h"
#include "csi/util/exec.h"
#include "proto/csi/csi.grpc.pb.h"
#include "services/attach/attach_state.h"

namespace curve::csi::testing {
namespace {

namespace v1 = ::csi::v1;
using curve::testing::Subprocess;

std::string CsiSanityBin() {
  auto built = RunCommand({GO_TOOLS_SH, "csi-sanity"}, std::chrono::minutes(10));
  if (!built.ok() || built->exit_code != 0) return "";
  auto path = RunCommand({GO_TOOLS_SH, "path", "csi-sanity"});
  if (!path.ok() || path->exit_code != 0) return "";
  std::string dir = path->output.substr(0, path->output.find('\n'));
  return dir + "/csi-sanity";
}

struct SanityCounts {
  int passed = -1, failed = -1, pending = -1, skipped = -1;
  std::string failures;              // "[FAIL]" lines
  std::map<std::string, int> skips;  // skip message -> how many specs
  std::string unexpected_skips;      // skips not explained by an unadvertised capability
};

// csi-sanity's skip messages for capabilities curve-csi does not advertise (or test options this
// run does not enable), by category.
const std::map<std::string, std::string>& AllowedSkips() {
  static const auto* allowed = new std::map<std::string, std::string>{
      {"Snapshot not supported", "snapshots (CREATE_DELETE_SNAPSHOT)"},
      {"ListSnapshots not supported", "snapshots (LIST_SNAPSHOTS)"},
      {"GetSnapshot not supported", "snapshots (GET_SNAPSHOT)"},
      {"DeleteSnapshot not supported", "snapshots (CREATE_DELETE_SNAPSHOT)"},
      {"CreateSnapshot not supported", "snapshots (CREATE_DELETE_SNAPSHOT)"},
      {"SNAPSHOT_ACCESSIBILITY_CONSTRAINTS not supported", "snapshots (accessibility)"},
      {"Volume Cloning not supported", "clones (CLONE_VOLUME)"},
      {"Modify volume not supported", "ControllerModifyVolume (MODIFY_VOLUME)"},
      {"Modify Volume not supported", "ControllerModifyVolume (MODIFY_VOLUME)"},
      {"ControllerModifyVolume not supported", "ControllerModifyVolume (MODIFY_VOLUME)"},
      {"ControllerPublishVolume not supported", "ControllerPublish (PUBLISH_UNPUBLISH_VOLUME)"},
      {"Controller Publish, UnpublishVolume not supported",
       "ControllerPublish (PUBLISH_UNPUBLISH_VOLUME)"},
      {"ControllerUnpublishVolume not supported", "ControllerPublish (PUBLISH_UNPUBLISH_VOLUME)"},
      {"ControllerPublishVolume.readonly field not supported",
       "ControllerPublish (PUBLISH_READONLY)"},
      {"ControllerGetVolumeHealth not supported", "volume health RPCs (GET_VOLUME_HEALTH)"},
      {"ControllerListVolumeHealth not supported", "volume health RPCs (LIST_VOLUME_HEALTH)"},
      {"NodeGetVolumeHealth not supported", "volume health RPCs (node GET_VOLUME_HEALTH)"},
      {"NodeGetStorageHealth not supported", "volume health RPCs (node GET_STORAGE_HEALTH)"},
      {"GroupControllerService not supported", "GroupController service"},
      {"VolumeGroupSnapshots not supported", "GroupController service"},
      {"testnodevolumeattachlimit not enabled",
       "attach limit (max_volumes_per_node not reported; -csi.testnodevolumeattachlimit off)"},
  };
  return *allowed;
}

// Reads the skipped specs of a ginkgo JSON report into `counts`.
void ReadSkips(const std::string& report_file, SanityCounts* counts) {
  nlohmann::json report;
  try {
    report = nlohmann::json::parse(ReadFile(report_file));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot parse " << report_file << ": " << e.what();
    return;
  }
  for (const auto& suite : report) {
    for (const auto& spec : suite.value("SpecReports", nlohmann::json::array())) {
      if (spec.value("State", "") != "skipped") continue;
      std::string message = spec.contains("Failure") ? spec["Failure"].value("Message", "") : "";
      ++counts->skips[message];
    }
  }
  for (const auto& [message, count] : counts->skips) {
    if (!AllowedSkips().count(message)) {
      counts->unexpected_skips += std::to_string(count) + " x \"" + message + "\"\n";
    }
  }
}

// The fixture's cluster uses the attacher named by the test's name: "...Loopfile" cases the
// LoopFileAttacher, every other case the CurveAttacher.
class CsiSanityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root, /dev/fuse and loop devices";
    }
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    bool loopfile = name.size() > 8 && name.substr(name.size() - 8) == "Loopfile";
    CsiClusterOptions options;
    const char* mds_bin = getenv("CURVE_MDS_BIN");
    options.mds_bin = mds_bin != nullptr ? mds_bin : CURVE_MDS_BIN;
    options.csi_bin = CURVE_CSI_BIN;
    options.attacher = loopfile ? "loopfile" : "curve";
    // Online ext4 growth needs CAP_SYS_RESOURCE, which some sandboxes drop; xfs grows without.
    if (!HasCapSysResource()) options.csi_args.push_back("--defaultFsType=xfs");
    auto started = std::chrono::steady_clock::now();
    auto cluster = CsiCluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(cluster).value();
    std::cout << "cluster (" << options.attacher << ") up in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count()
              << " ms\n";
  }
  void TearDown() override {
    if (cluster_) {
      std::string cleaned = cluster_->CleanUpMountsAndLoops();
      if (!cleaned.empty()) std::cerr << "cleanup:\n" << cleaned;
    }
  }

  SanityCounts RunSanity(const std::string& access_type) {
    SanityCounts counts;
    std::string bin = CsiSanityBin();
    EXPECT_FALSE(bin.empty()) << "scripts/go-tools.sh csi-sanity failed";
    if (bin.empty()) return counts;
    std::string params = cluster_->dir() + "/params.yaml";
    std::ofstream(params) << "user: sanity\npoolset: " << cluster_->poolset() << "\n";
    std::string log = cluster_->dir() + "/sanity-" + access_type + ".log";
    std::string report = cluster_->dir() + "/sanity-" + access_type + ".json";
    auto process = Subprocess::Start(
        {bin, "-csi.endpoint=" + cluster_->endpoint(),
         "-csi.stagingdir=" + cluster_->dir() + "/sanity-staging",
         "-csi.mountdir=" + cluster_->dir() + "/sanity-target",
         "-csi.testvolumesize=" + std::to_string(10ll << 30), "-csi.testvolumeparameters=" + params,
         "-csi.testvolumeaccesstype=" + access_type, "-ginkgo.no-color",
         "-ginkgo.json-report=" + report},
        log);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return counts;
    std::regex summary(R"((\d+) Passed \| (\d+) Failed \| (\d+) Pending \| (\d+) Skipped)");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(100);
    while (std::chrono::steady_clock::now() < deadline) {
      auto line = process->ReadLine(std::chrono::seconds(5));
      if (!line) {
        if (!process->running()) break;
        continue;
      }
      std::smatch match;
      if (std::regex_search(*line, match, summary)) {
        counts.passed = std::stoi(match[1]);
        counts.failed = std::stoi(match[2]);
        counts.pending = std::stoi(match[3]);
        counts.skipped = std::stoi(match[4]);
      }
      if (line->find("[FAIL]") != std::string::npos) counts.failures += *line + "\n";
    }
    if (process->running()) {
      process->Kill(SIGKILL);
      ADD_FAILURE() << "csi-sanity did not finish in time";
    }
    ReadSkips(report, &counts);
    std::cout << "csi-sanity " << access_type << ": " << counts.passed << " passed, "
              << counts.failed << " failed, " << counts.skipped << " skipped, " << counts.pending
              << " pending\n"
              << counts.failures;
    std::map<std::string, int> by_category;
    for (const auto& [message, count] : counts.skips) {
      auto it = AllowedSkips().find(message);
      by_category[it == AllowedSkips().end() ? "UNEXPECTED: " + message : it->second] += count;
    }
    for (const auto& [category, count] : by_category) {
      std::cout << "  skipped " << count << ": " << category << "\n";
    }
    RecordProperty("passed", counts.passed);
    RecordProperty("failed", counts.failed);
    RecordProperty("skipped", counts.skipped);
    return counts;
  }

  std::unique_ptr<CsiCluster> cluster_;
};

// Every spec passes except those csi-sanity skips for capabilities curve-csi does not advertise.
TEST_F(CsiSanityTest, MountAccess) {
  SanityCounts counts = RunSanity("mount");
  EXPECT_GT(counts.passed, 40);
  EXPECT_EQ(counts.failed, 0) << counts.failures;
  EXPECT_EQ(counts.unexpected_skips, "");
}

TEST_F(CsiSanityTest, BlockAccess) {
  SanityCounts counts = RunSanity("block");
  EXPECT_GT(counts.passed, 40);
  EXPECT_EQ(counts.failed, 0) << counts.failures;
  EXPECT_EQ(counts.unexpected_skips, "");
}

TEST_F(CsiSanityTest, NodePluginRestartKeepsPublishedVolumeServing) {
  CsiClient client(cluster_->endpoint());
  v1::VolumeCapability capability;
  capability.mutable_mount()->set_fs_type("ext4");
  capability.mutable_access_mode()->set_mode(v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);

  v1::CreateVolumeRequest create;
  create.set_name("restart-vol");
  (*create.mutable_parameters())["poolset"] = cluster_->poolset();
  *create.add_volume_capabilities() = capability;
  v1::CreateVolumeResponse created;
  auto status =
      client.Call(client.controller_, &v1::Controller::Stub::CreateVolume, create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::string id = created.volume().volume_id();

  std::string staging = cluster_->dir() + "/restart/staging";
  std::string target = cluster_->dir() + "/restart/target";
  mkdir((cluster_->dir() + "/restart").c_str(), 0755);
  mkdir(staging.c_str(), 0755);
  v1::NodeStageVolumeRequest stage;
  stage.set_volume_id(id);
  stage.set_staging_target_path(staging);
  *stage.mutable_volume_capability() = capability;
  *stage.mutable_volume_context() = created.volume().volume_context();
  v1::NodeStageVolumeResponse staged;
  status = client.Call(client.node_, &v1::Node::Stub::NodeStageVolume, stage, &staged);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::NodePublishVolumeRequest publish;
  publish.set_volume_id(id);
  publish.set_staging_target_path(staging);
  publish.set_target_path(target);
  *publish.mutable_volume_capability() = capability;
  v1::NodePublishVolumeResponse published;
  status = client.Call(client.node_, &v1::Node::Stub::NodePublishVolume, publish, &published);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::ofstream(target + "/before") << "written before the restart";

  auto daemons = attach::ListAttachStates(cluster_->attach_dir());
  ASSERT_EQ(daemons.size(), 1u);
  const attach::AttachState daemon = daemons[0];
  cluster_->KillCsi();
  // With the plugin dead, its attach daemon serves on and the mount keeps reads and writes.
  EXPECT_TRUE(attach::AttachDaemonAlive(daemon.pid));
  EXPECT_EQ(ReadFile(target + "/before"), "written before the restart");
  {
    std::ofstream during(target + "/during");
    during << "written while the plugin was down";
  }
  ASSERT_TRUE(RunCommand({"sync", "-f", target + "/during"}).ok());
  EXPECT_EQ(ReadFile(target + "/during"), "written while the plugin was down");

  ASSERT_TRUE(cluster_->StartCsi().ok());
  CsiClient again(cluster_->endpoint());
  EXPECT_TRUE(IsMounted(staging));
  // The restarted plugin adopted the running daemon instead of mapping the volume again.
  daemons = attach::ListAttachStates(cluster_->attach_dir());
  ASSERT_EQ(daemons.size(), 1u);
  EXPECT_EQ(daemons[0].pid, daemon.pid);
  EXPECT_EQ(daemons[0].device, daemon.device);
  EXPECT_EQ(StatsCondition(again, id, target), "volume is attached and mounted");
  EXPECT_EQ(ReadFile(target + "/before"), "written before the restart");

  v1::NodeUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(id);
  unpublish.set_target_path(target);
  v1::NodeUnpublishVolumeResponse unpublished;
  status = again.Call(again.node_, &v1::Node::Stub::NodeUnpublishVolume, unpublish, &unpublished);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(IsMounted(target));

  // A restage after unstage finds the data (the file system is not reformatted).
  v1::NodeUnstageVolumeRequest unstage;
  unstage.set_volume_id(id);
  unstage.set_staging_target_path(staging);
  v1::NodeUnstageVolumeResponse unstaged;
  status = again.Call(again.node_, &v1::Node::Stub::NodeUnstageVolume, unstage, &unstaged);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(IsMounted(staging));
  EXPECT_TRUE(LoopDevicesUnder(cluster_->dir()).empty());
  EXPECT_TRUE(attach::ListAttachStates(cluster_->attach_dir()).empty());
  EXPECT_FALSE(attach::AttachDaemonAlive(daemon.pid));
  status = again.Call(again.node_, &v1::Node::Stub::NodeStageVolume, stage, &staged);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ReadFile(staging + "/during"), "written while the plugin was down");

  // Loss of state: the plugin's records vanish (as after a reinstall); unstage still cleans up.
  cluster_->KillCsi();
  ASSERT_TRUE(RunCommand({"rm", "-rf", cluster_->dir() + "/state"}).ok());
  ASSERT_TRUE(cluster_->StartCsi().ok());
  CsiClient third(cluster_->endpoint());
  status = third.Call(third.node_, &v1::Node::Stub::NodeUnstageVolume, unstage, &unstaged);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(IsMounted(staging));
  EXPECT_TRUE(LoopDevicesUnder(cluster_->dir()).empty());
  status = third.Call(third.node_, &v1::Node::Stub::NodeUnstageVolume, unstage, &unstaged);
  EXPECT_TRUE(status.ok()) << "unstage must be idempotent: " << status.error_message();

  v1::DeleteVolumeRequest remove;
  remove.set_volume_id(id);
  v1::DeleteVolumeResponse removed;
  status = third.Call(third.controller_, &v1::Controller::Stub::DeleteVolume, remove, &removed);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// Liveness: a published block volume whose attach daemon dies is reported abnormal, naming the
// dead daemon; unpublish and unstage still clean it up.
TEST_F(CsiSanityTest, DeadAttachDaemonShowsInVolumeCondition) {
  CsiClient client(cluster_->endpoint());
  v1::VolumeCapability capability;
  capability.mutable_block();
  capability.mutable_access_mode()->set_mode(v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  std::string id = CreateStagePublish(client, *cluster_, "liveness", capability);
  ASSERT_FALSE(id.empty());
  std::string target = cluster_->dir() + "/liveness/target";
  EXPECT_EQ(StatsCondition(client, id, target), "volume is attached and mounted");

  auto daemons = attach::ListAttachStates(cluster_->attach_dir());
  ASSERT_EQ(daemons.size(), 1u);
  ASSERT_EQ(kill(daemons[0].pid, SIGKILL), 0);
  ASSERT_TRUE(curve::testing::PollUntil([&] { return !attach::AttachDaemonAlive(daemons[0].pid); },
                                        std::chrono::seconds(10)));
  std::string condition = StatsCondition(client, id, target);
  EXPECT_EQ(condition.rfind("ABNORMAL: attach daemon (pid " + std::to_string(daemons[0].pid), 0),
            0u)
      << condition;

  v1::NodeUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(id);
  unpublish.set_target_path(target);
  v1::NodeUnpublishVolumeResponse unpublished;
  auto status =
      client.Call(client.node_, &v1::Node::Stub::NodeUnpublishVolume, unpublish, &unpublished);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::NodeUnstageVolumeRequest unstage;
  unstage.set_volume_id(id);
  unstage.set_staging_target_path(cluster_->dir() + "/liveness/staging");
  v1::NodeUnstageVolumeResponse unstaged;
  status = client.Call(client.node_, &v1::Node::Stub::NodeUnstageVolume, unstage, &unstaged);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(attach::ListAttachStates(cluster_->attach_dir()).empty());
  EXPECT_TRUE(LoopDevicesUnder(cluster_->dir()).empty());
}

// A controller whose MDS is down says so, naming the address, in Probe and in CreateVolume.
TEST(CsiUnreachableMdsTest, ErrorsNameTheMdsAddress) {
  curve::testing::TempDir dir;
  std::string mds = "127.0.0.1:" + std::to_string(curve::testing::PickFreePort());
  std::string endpoint = "unix://" + dir.path() + "/csi.sock";
  auto csi = Subprocess::Start(
      {CURVE_CSI_BIN, "--mode=controller", "--endpoint=" + endpoint, "--mds=" + mds},
      dir.path() + "/csi.log");
  ASSERT_TRUE(csi.ok()) << csi.status();
  auto line = csi->ReadLine(std::chrono::seconds(30));
  ASSERT_TRUE(line && line->rfind("listening ", 0) == 0);
  CsiClient client(endpoint);
  auto identity = v1::Identity::NewStub(client.channel_);
  v1::ProbeRequest probe;
  v1::ProbeResponse probed;
  grpc::ClientContext context;
  auto status = identity->Probe(&context, probe, &probed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("MDS unreachable at " + mds), std::string::npos)
      << status.error_message();
  v1::CreateVolumeRequest create;
  create.set_name("pvc-x");
  auto* capability = create.add_volume_capabilities();
  capability->mutable_block();
  capability->mutable_access_mode()->set_mode(v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  v1::CreateVolumeResponse created;
  status = client.Call(client.controller_, &v1::Controller::Stub::CreateVolume, create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("MDS unreachable at " + mds), std::string::npos)
      << status.error_message();
}

}  // namespace
}  // namespace curve::csi::testing
