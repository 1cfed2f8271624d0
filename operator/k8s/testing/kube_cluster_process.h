#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/testing/subprocess.h"
#include "operator/k8s/kube_client.h"
#include "operator/k8s/testing/kube_apiserver_process.h"

namespace curve::k8s::testing {

// A fake node kwok manages: it becomes Ready, and pods bound to it run and become Ready (pods
// owned by a Job succeed).
struct FakeNode {
  std::string name;
  std::string address;                        // its InternalIP
  std::map<std::string, std::string> labels;  // kubernetes.io/hostname is added
  std::map<std::string, std::string> annotations;
};

// A control plane for integration tests: KubeApiserverProcess (with the audit log of writes)
// plus a real kube-controller-manager (service-account tokens signed with the harness's key,
// the root CA published, per-controller credentials; the controllers Deployments, ReplicaSets,
// Jobs, PodDisruptionBudgets, service accounts, namespaces and garbage collection need), a real
// kube-scheduler, and kwok simulating the nodes annotated kwok.x-k8s.io/node=fake. Logs are
// <dir>/kube-controller-manager.log, kube-scheduler.log and kwok.log. Destruction stops the
// processes it started (by PID).
class KubeClusterProcess {
 public:
  static constexpr char kFakeNodeAnnotation[] = "kwok.x-k8s.io/node";

  // kwok's directory: $CURVE_KWOK_BIN_DIR, else `scripts/go-tools.sh path kwok`. NotFound when
  // the binary is not there.
  static Result<std::string> FindKwok();

  // Starts everything and waits (up to 60 s) until the controller manager has created the
  // "default" service account of namespace "default".
  static Result<std::unique_ptr<KubeClusterProcess>> Start();
  ~KubeClusterProcess();

  KubeApiserverProcess& apiserver() { return *apiserver_; }
  // An admin client (system:masters).
  KubeClient& client() { return *client_; }

  // Creates the Node (status: Ready is kwok's job; addresses, capacity set here), waits up to
  // 60 s for kwok to report it Ready, then lifts the API server's not-ready taint.
  Status AddNode(const FakeNode& node) { return AddNodes({node}); }
  // The same for many nodes at once: creates them all, then waits (up to 60 s) for all.
  Status AddNodes(const std::vector<FakeNode>& nodes);

  pid_t controller_manager_pid() const { return controller_manager_->pid(); }

 private:
  KubeClusterProcess() = default;
  Status StartComponents(const std::string& k8s_dir, const std::string& kwok_dir);

  std::unique_ptr<KubeApiserverProcess> apiserver_;
  std::unique_ptr<KubeClient> client_;
  std::unique_ptr<curve::testing::Subprocess> controller_manager_;
  std::unique_ptr<curve::testing::Subprocess> scheduler_;
  std::unique_ptr<curve::testing::Subprocess> kwok_;
};

}  // namespace curve::k8s::testing
