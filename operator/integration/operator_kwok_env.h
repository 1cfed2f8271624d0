#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/testing/etcd_process.h"
#include "common/testing/subprocess.h"
#include "operator/integration/fake_chunkservers.h"
#include "operator/k8s/kube_client.h"
#include "operator/k8s/testing/kube_cluster_process.h"
#include "proto/mds/topology.pb.h"
#include "services/mds/testing/mds_process.h"

namespace curve::op::testing {

// One disk in a fake node's discovery report.
struct FakeDisk {
  std::string name;  // "sdb"
  bool rotational = false;
};

// A kwok node: its name, failure domain, InternalIP and discovery report.
struct FakeHost {
  std::string name;
  std::string zone;
  std::string address;
  std::vector<FakeDisk> disks;
};

// The world curve-operator runs in for integration tests: a real control plane with kwok nodes
// (KubeClusterProcess), the CurveCluster CRD installed, namespace "curve", and a real curve-mds
// (on its own etcd; StartMds) the operators register topology with (--mds-address), fed by
// simulated chunkservers (FakeChunkservers). Operators are real `curve-operator` processes, each
// with its own client certificate (user "operator-<id>") so the API server's audit log tells
// their writes apart.
class OperatorKwokEnv {
 public:
  // NotFound when the Kubernetes binaries or kwok are not built (callers skip).
  static Result<std::unique_ptr<OperatorKwokEnv>> Start();
  ~OperatorKwokEnv();

  k8s::KubeClient& client() { return cluster_->client(); }
  k8s::testing::KubeClusterProcess& cluster() { return *cluster_; }
  const std::string& mds_address() const { return mds_address_; }
  const std::string& dir() const { return dir_.path(); }

  // Starts a fresh curve-mds on a fresh etcd, replacing the previous one (each test case
  // registers its topology with its own MDS), and FakeChunkservers for the chunkserver pods of
  // namespace "curve": they register and create their copysets as real ones would, so a
  // CurveCluster can become Ready (its MDS health summary shows healthy copysets).
  Status StartMds();
  // Chunkservers registered with the current MDS so far.
  size_t RegisteredChunkservers() const { return chunkservers_ ? chunkservers_->registered() : 0; }

  // A kwok node in `zone` whose discovery report lists `disks`.
  Status AddNode(const std::string& name, const std::string& zone, const std::string& address,
                 const std::vector<FakeDisk>& disks) {
    return AddNodes({{name, zone, address, disks}});
  }
  // Many at once (created together, then waited for together).
  Status AddNodes(const std::vector<FakeHost>& hosts);

  // Starts `curve-operator --id=<id>` (Lease election in "curve", a 4 s lease, resync every
  // 2 s) as user operator-<id>. Its log is <dir>/operator-<id>.log.
  Status StartOperator(const std::string& id);
  // SIGKILL (no Lease hand-back) or SIGTERM; waits for the exit.
  void StopOperator(const std::string& id, int signal);
  // The process id of operator <id>; -1 when not running.
  pid_t OperatorPid(const std::string& id) const;
  // The audited writes of operator <id> (Lease renewals excluded).
  std::vector<k8s::testing::AuditedWrite> OperatorWrites(const std::string& id) const;

  // The MDS's topology (GetTopology).
  Result<mds::Topology> Topology();

 private:
  OperatorKwokEnv() = default;

  curve::testing::TempDir dir_;
  std::unique_ptr<k8s::testing::KubeClusterProcess> cluster_;
  std::unique_ptr<curve::testing::EtcdProcess> mds_etcd_;
  std::unique_ptr<::curve::mds::testing::MdsProcess> mds_;
  std::string mds_address_;
  std::unique_ptr<FakeChunkservers> chunkservers_;
  std::map<std::string, std::unique_ptr<curve::testing::Subprocess>> operators_;
};

}  // namespace curve::op::testing
