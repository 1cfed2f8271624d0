#pragma once

#include <chrono>
#include <stop_token>
#include <string>

#include "operator/cluster/cluster_reconciler.h"
#include "operator/k8s/kube_client.h"

namespace curve::op {

// curve-operator settings (flags; see RunOperator).
struct OperatorOptions {
  std::string kubeconfig;       // empty: $KUBECONFIG, else in-cluster
  std::string watch_namespace;  // empty: all namespaces
  // --mds-address: the MDS the operator registers topology with, instead of the cluster's own
  // MDS members (tests run a real curve-mds on the host; an operator outside the cluster).
  std::string mds_address;
  std::string lease_namespace = "curve";
  std::string identity;  // default: hostname-pid
  bool leader_elect = true;
  // --lease-duration: how long a dead leader holds the Lease (renewals every third of it).
  std::chrono::seconds lease_duration{15};
  int workers = 2;
  // --resync: how often a reconciled cluster is looked at again (health, status, drift).
  std::chrono::seconds resync{30};
};

// glibc malloc settings for curve-operator, before any thread starts: at most 2 arenas (the many
// client and informer threads would otherwise each grow their own and keep freed JSON memory
// resident) and blocks of 128 KiB or more always mmapped (list pages and large response bodies
// go back to the system when freed instead of fragmenting the arenas: glibc's adaptive threshold
// otherwise rises to the largest block freed, ~1 MiB list pages). In the 1,000-disk bench the
// peak RSS went from 59.5 to ~48 MiB with this and the narrower lister.
void LimitMallocFootprint();

// Parses "--key=value" flags; INVALID_ARGUMENT-like message in *error on a bad flag.
bool ParseOperatorFlags(int argc, char** argv, OperatorOptions* options, std::string* error);

// One leadership term: fresh informers (CurveClusters and the objects they own), a fresh
// controller and reconciler over `client`, all stopped and destroyed when `stop` is requested.
// Called once per term, so a replica that leads again starts from new lists and a new work
// queue, never from the previous term's stale caches or shut-down queue. Blocks until `stop`.
void RunLeaderTerm(k8s::KubeClient* client, const OperatorOptions& options,
                   const ClusterReconciler::RegistrarFactory& registrar_factory,
                   std::stop_token stop);

// The composition root: client, informers (CurveClusters and the Deployments and Jobs they
// own), the controller and Lease leader election (only the leader reconciles). Returns the
// process exit code after SIGTERM/SIGINT.
int RunOperator(const OperatorOptions& options);

}  // namespace curve::op
