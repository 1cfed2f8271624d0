#include "csi/testing/csi_cluster.h"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "csi/node/linux_mounter.h"
#include "csi/node/loop_file_attacher.h"
#include "csi/util/exec.h"

namespace curve::csi::testing {

using curve::testing::Subprocess;

Result<std::unique_ptr<CsiCluster>> CsiCluster::Start(const std::string& mds_bin,
                                                      const std::string& csi_bin,
                                                      std::vector<std::string> csi_args) {
  std::unique_ptr<CsiCluster> cluster(new CsiCluster(mds_bin, csi_bin, std::move(csi_args)));
  CURVE_ASSIGN_OR_RETURN(cluster->etcd_, curve::testing::EtcdProcess::Start());
  CURVE_ASSIGN_OR_RETURN(
      auto mds, Subprocess::Start({mds_bin, "--listen=127.0.0.1:0", "--metricsListen=127.0.0.1:0",
                                   "--etcd.endpoints=" + cluster->etcd_->endpoint(),
                                   "--electionTtl=2s", "--tickInterval=200ms"},
                                  cluster->dir() + "/mds.log"));
  auto line = mds.ReadLine(std::chrono::seconds(30));
  if (!line || line->rfind("listening ", 0) != 0) {
    return UnavailableError("curve-mds did not start; see " + cluster->dir() + "/mds.log");
  }
  cluster->mds_address_ = line->substr(10);
  cluster->mds_ = std::make_unique<Subprocess>(std::move(mds));
  CURVE_RETURN_IF_ERROR(cluster->StartCsi());
  return cluster;
}

Status CsiCluster::StartCsi() {
  std::vector<std::string> argv{csi_bin_,
                                "--mode=all",
                                "--endpoint=" + endpoint(),
                                "--nodeid=test-node",
                                "--mds=" + mds_address_,
                                "--stateDir=" + dir() + "/state",
                                "--loopDir=" + dir() + "/loop",
                                "--log-level=debug"};
  argv.insert(argv.end(), csi_args_.begin(), csi_args_.end());
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
  // Deepest (and most recent) first.
  std::stable_sort(targets.begin(), targets.end(),
                   [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& target : targets) {
    auto result = RunCommand({"umount", "-l", target});
    report += "umount " + target + (result.ok() && result->exit_code == 0 ? "\n" : " failed\n");
  }
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
}

}  // namespace curve::csi::testing
