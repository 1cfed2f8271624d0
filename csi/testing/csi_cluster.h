#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/testing/etcd_process.h"
#include "common/testing/subprocess.h"
#include "services/mds/testing/mds_process.h"
#include "tests/cluster/local_cluster.h"

namespace curve::csi::testing {

struct CsiClusterOptions {
  std::string mds_bin;  // loopfile: the curve-mds under test
  std::string csi_bin;  // the curve-csi under test
  // "loopfile": one etcd + one curve-mds, `--attacher=loopfile` (data in files under the temp
  // dir). "curve": a LocalCluster (etcd, 3 MDS, `chunkservers` chunkservers in 3 zones, poolset
  // "ssd"; binaries beside the test) and `--attacher=curve` (curve-attachd per volume).
  std::string attacher = "loopfile";
  int chunkservers = 3;
  uint64_t chunks_per_disk = 1024;    // curve: 1 MiB chunk files pre-allocated per chunkserver
  std::vector<std::string> csi_args;  // extra flags of curve-csi
  // Cgroup directories curve-csi joins before it runs (like a container's); empty: the test's.
  std::vector<std::string> csi_cgroups;
};

// For multi-process CSI tests: a CurveBS control plane (and data plane with the curve
// attacher) and `curve-csi --mode=all`, all under one temp dir. Destruction (also after a
// failed test) stops the CSI plugin, unmounts everything mounted under the temp dir, kills the
// attach daemons recorded under it and detaches their loop devices and every loop device backed
// by a file under it, then stops the cluster and removes the dir.
class CsiCluster {
 public:
  static Result<std::unique_ptr<CsiCluster>> Start(CsiClusterOptions options);
  // A loopfile cluster.
  static Result<std::unique_ptr<CsiCluster>> Start(const std::string& mds_bin,
                                                   const std::string& csi_bin,
                                                   std::vector<std::string> csi_args = {});
  ~CsiCluster();

  const std::string& dir() const { return dir_.path(); }
  std::string endpoint() const { return "unix://" + dir_.path() + "/csi.sock"; }
  // "a:1" or "a:1,b:2,c:3".
  const std::string& mds_address() const { return mds_address_; }
  // The poolset StorageClass parameter volumes should name: "ssd" (curve), "default" (loopfile).
  std::string poolset() const { return local_cluster_ ? "ssd" : "default"; }
  // The attach daemons' runtime dir (curve attacher).
  std::string attach_dir() const { return dir_.path() + "/attach"; }
  // The CurveBS cluster of the curve attacher; null for loopfile.
  const curve::testing::LocalCluster* local_cluster() const { return local_cluster_.get(); }

  // SIGKILLs the CSI plugin (mounts and loop devices stay, like a crashed pod); reaps it when
  // it is already dead.
  void KillCsi();
  // Starts the CSI plugin again with the same options and state dir, and `extra_args`.
  Status StartCsi(const std::vector<std::string>& extra_args = {});

  // Unmounts every mount point under the temp dir (deepest first, the attach daemons' FUSE
  // mounts last), kills the attach daemons recorded under attach_dir() (by their pids) and
  // detaches their loop devices and every loop device backed by a file under the temp dir.
  // Returns what it did, for logs.
  std::string CleanUpMountsAndLoops();

 private:
  explicit CsiCluster(CsiClusterOptions options) : options_(std::move(options)) {}

  CsiClusterOptions options_;
  curve::testing::TempDir dir_;
  std::unique_ptr<curve::testing::LocalCluster> local_cluster_;
  std::unique_ptr<curve::testing::EtcdProcess> etcd_;
  std::unique_ptr<::curve::mds::testing::MdsProcess> mds_;
  std::unique_ptr<curve::testing::Subprocess> csi_;
  std::string mds_address_;
  int starts_ = 0;
};

}  // namespace curve::csi::testing
