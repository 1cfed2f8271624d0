#include "csi/testing/csi_cluster.h"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "csi/node/linux_mounter.h"
#include "csi/node/loop_file_attacher.h"
#include "csi/util/exec.h"
#include "services/attach/attach_state.h"
#include "services/attach/loop_device.h"

namespace curve::csi::testing {

using curve::testing::Subprocess;

Result<std::unique_ptr<CsiCluster>> CsiCluster::Start(const std::string& mds_bin,
                                                      const std::string& csi_bin,
                                                      std::vector<std::string> csi_args) {
  CsiClusterOptions options;
  options.mds_bin = mds_bin;
  options.csi_bin = csi_bin;
  options.csi_args = std::move(csi_args);
  return Start(std::move(options));
}

Result<std::unique_ptr<CsiCluster>> CsiCluster::Start(CsiClusterOptions options) {
  std::unique_ptr<CsiCluster> cluster(new CsiCluster(std::move(options)));
  if (cluster->options_.attacher == "curve") {
    curve::testing::LocalClusterOptions local;
    local.chunkservers = cluster->options_.chunkservers;
    local.poolsets = {"ssd"};
    local.chunks_per_disk = cluster->options_.chunks_per_disk;
    local.base_dir = cluster->dir() + "/cluster";
    CURVE_ASSIGN_OR_RETURN(cluster->local_cluster_, curve::testing::LocalCluster::Start(local));
    cluster->mds_address_ = cluster->local_cluster_->mds_addresses();
    CURVE_RETURN_IF_ERROR(cluster->StartCsi());
    return cluster;
  }
  CURVE_ASSIGN_OR_RETURN(cluster->etcd_, curve::testing::EtcdProcess::Start());
  ::curve::mds::testing::MdsProcessOptions mds;
  mds.binary = cluster->options_.mds_bin;
  mds.etcd_endpoint = cluster->etcd_->endpoint();
  mds.log_path = cluster->dir() + "/mds.log";
  CURVE_ASSIGN_OR_RETURN(cluster->mds_, ::curve::mds::testing::MdsProcess::Start(mds));
  cluster->mds_address_ = cluster->mds_->address();
  CURVE_RETURN_IF_ERROR(cluster->StartCsi());
  return cluster;
}

Status CsiCluster::StartCsi(const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv{options_.csi_bin,
                                "--mode=all",
                                "--endpoint=" + endpoint(),
                                "--nodeid=test-node",
                                "--mds=" + mds_address_,
                                "--stateDir=" + dir() + "/state",
                                "--attacher=" + options_.attacher,
                                "--loopDir=" + dir() + "/loop",
                                "--attachDir=" + attach_dir(),
                                "--log-level=debug"};
  argv.insert(argv.end(), options_.csi_args.begin(), options_.csi_args.end());
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  if (!options_.csi_cgroups.empty()) {
    // The shell joins the cgroups and execs curve-csi, which keeps its pid.
    std::string procs;
    for (const auto& cgroup : options_.csi_cgroups) procs += cgroup + "/cgroup.procs ";
    argv.insert(argv.begin(), {"/bin/sh", "-c",
                               "for f in $0; do echo $$ > $f || exit 1; done; exec \"$@\"", procs});
  }
  CURVE_ASSIGN_OR_RETURN(auto csi,
                         Subprocess::Start(argv, dir() + "/csi.log." + std::to_string(++starts_)));
  auto line = csi.ReadLine(std::chrono::seconds(30));
  if (!line || line->rfind("listening ", 0) != 0) {
    return UnavailableError("curve-csi did not start; see " + dir() + "/csi.log.*");
  }
  csi_ = std::make_unique<Subprocess>(std::move(csi));
  return Status::Ok();
}

void CsiCluster::KillCsi() {
  if (csi_) csi_->Kill(SIGKILL);
  csi_.reset();
}

std::string CsiCluster::CleanUpMountsAndLoops() {
  std::string report;
  std::ifstream file("/proc/self/mountinfo");
  std::stringstream text;
  text << file.rdbuf();
  std::vector<std::string> targets;
  for (const auto& mount : ParseMountInfo(text.str())) {
    if (mount.target.rfind(dir() + "/", 0) == 0) targets.push_back(mount.target);
  }
  // Deepest (and most recent) first; the daemons' FUSE mounts after what sits on their devices.
  std::string attach_prefix = attach_dir() + "/";
  std::stable_sort(targets.begin(), targets.end(), [&](const auto& a, const auto& b) {
    bool a_fuse = a.rfind(attach_prefix, 0) == 0, b_fuse = b.rfind(attach_prefix, 0) == 0;
    if (a_fuse != b_fuse) return b_fuse;
    return a.size() > b.size();
  });
  bool daemons_stopped = false;
  auto stop_daemons = [&] {
    daemons_stopped = true;
    for (const auto& state : attach::ListAttachStates(attach_dir())) {
      if (attach::AttachDaemonAlive(state.pid)) {
        kill(state.pid, SIGKILL);
        curve::testing::PollUntil([&] { return !attach::AttachDaemonAlive(state.pid); },
                                  std::chrono::seconds(10));
        report += "kill -9 curve-attachd " + std::to_string(state.pid) + "\n";
      }
      auto backing = attach::LoopBackingFile(state.device);
      if (backing.ok() && *backing == state.file) {
        attach::DetachLoop(state.device).IgnoreError();
        report += "detach " + state.device + " (" + state.volume + ")\n";
      }
    }
  };
  for (const auto& target : targets) {
    if (!daemons_stopped && target.rfind(attach_prefix, 0) == 0) stop_daemons();
    auto result = RunCommand({"umount", "-l", target});
    report += "umount " + target + (result.ok() && result->exit_code == 0 ? "\n" : " failed\n");
  }
  if (!daemons_stopped) stop_daemons();
  for (const auto& [device, backing] : LoopDevicesUnder(dir())) {
    auto result = RunCommand({"losetup", "-d", device});
    report += "losetup -d " + device + " (" + backing + ")\n";
  }
  return report;
}

CsiCluster::~CsiCluster() {
  KillCsi();
  CleanUpMountsAndLoops();
  if (mds_) mds_->Kill(SIGKILL);
  local_cluster_.reset();
}

}  // namespace curve::csi::testing
