#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/testing/etcd_process.h"
#include "common/testing/subprocess.h"

namespace curve::csi::testing {

// For multi-process CSI tests: a real etcd, one real curve-mds and `curve-csi --mode=all` with
// the LoopFileAttacher, all under one temp dir. Destruction (also after a failed test) stops
// the processes, unmounts everything mounted under the temp dir and detaches every loop device
// backed by a file under it, then removes the dir.
class CsiCluster {
 public:
  // `mds_bin`, `csi_bin`: the binaries under test.
  // `csi_args` are extra flags of curve-csi.
  static Result<std::unique_ptr<CsiCluster>> Start(const std::string& mds_bin,
                                                   const std::string& csi_bin,
                                                   std::vector<std::string> csi_args = {});
  ~CsiCluster();

  const std::string& dir() const { return dir_.path(); }
  std::string endpoint() const { return "unix://" + dir_.path() + "/csi.sock"; }
  const std::string& mds_address() const { return mds_address_; }

  // SIGKILLs the CSI plugin (mounts and loop devices stay, like a crashed pod).
  void KillCsi();
  // Starts the CSI plugin again with the same options and state dir.
  Status StartCsi();

  // Unmounts every mount point under the temp dir (deepest first) and detaches every loop
  // device backed by a file under it. Returns what it did, for logs.
  std::string CleanUpMountsAndLoops();

 private:
  CsiCluster(std::string mds_bin, std::string csi_bin, std::vector<std::string> csi_args)
      : mds_bin_(std::move(mds_bin)),
        csi_bin_(std::move(csi_bin)),
        csi_args_(std::move(csi_args)) {}

  std::string mds_bin_;
  std::string csi_bin_;
  std::vector<std::string> csi_args_;
  curve::testing::TempDir dir_;
  std::unique_ptr<curve::testing::EtcdProcess> etcd_;
  std::unique_ptr<curve::testing::Subprocess> mds_;
  std::unique_ptr<curve::testing::Subprocess> csi_;
  std::string mds_address_;
  int starts_ = 0;
};

}  // namespace curve::csi::testing
