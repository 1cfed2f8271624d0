#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/testing/etcd_process.h"
#include "common/testing/subprocess.h"
#include "operator/k8s/kube_config.h"

namespace curve::k8s::testing {

struct KubeApiserverOptions {
  // Record every write request (create, update, patch, delete) in <dir>/audit.log (JSON lines,
  // audit level Metadata), so tests can count who wrote what (AuditedWrites).
  bool audit_writes = false;
};

// One write request as the API server's audit log recorded it.
struct AuditedWrite {
  std::string user;
  std::string verb;         // create, update, patch, delete, deletecollection
  std::string resource;     // "deployments", "curveclusters", ...
  std::string subresource;  // "status" or ""
  std::string ns;
  std::string name;
  int code = 0;  // the HTTP status of the response
};

// A real kube-apiserver for integration tests, on a free loopback port with a real etcd
// (EtcdProcess running the etcd of `scripts/go-tools.sh etcd`, without fsync) as storage.
// Certificates (a CA, the serving certificate, an admin client certificate in system:masters) and a
// service-account key pair are made with the openssl CLI in a temporary directory; authorization is
// RBAC. Its log is <dir>/kube-apiserver.log.
class KubeApiserverProcess {
 public:
  // The directory holding kube-apiserver: $CURVE_K8S_BIN_DIR, else what
  // `scripts/go-tools.sh path k8s` prints. NotFound when the binary or etcd (FindEtcd) is not
  // there (the caller decides whether to skip).
  static Result<std::string> FindBinaries();
  // The etcd binary for the API server: <$CURVE_K8S_ETCD_BIN_DIR or `scripts/go-tools.sh path
  // etcd`>/etcd. Debian's etcd 3.4 lacks RequestWatchProgress, so the API server cannot serve
  // streaming watch lists (kwok's informers ask for them) from it.
  static Result<std::string> FindEtcd();
  // The directory holding `binary` of a cached Go tool: $<env_var>, else what
  // `scripts/go-tools.sh path <tool>` prints; NotFound when the binary is not there.
  static Result<std::string> FindTool(const std::string& env_var, const std::string& tool,
                                      const std::string& binary);

  // Starts etcd and the API server and waits until /readyz answers ok (up to 60 s).
  static Result<std::unique_ptr<KubeApiserverProcess>> Start(
      const KubeApiserverOptions& options = {});
  ~KubeApiserverProcess();

  // The admin's config (client certificate, the CA); also written as kubeconfig_path().
  const KubeConfig& admin_config() const { return admin_; }
  const std::string& kubeconfig_path() const { return kubeconfig_path_; }
  std::string server() const { return "https://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_.path(); }
  curve::testing::EtcdProcess& etcd() { return *etcd_; }

  // Issues a client certificate for `user` in `group` (signed by the test CA) and writes a
  // kubeconfig for it; returns the kubeconfig's path. Distinct users tell writers apart in the
  // audit log.
  Result<std::string> MakeKubeconfig(const std::string& user, const std::string& group);

  // The completed write requests the audit log holds so far (empty without audit_writes), of
  // `user` when not empty.
  std::vector<AuditedWrite> AuditedWrites(const std::string& user = "") const;

  // Compacts etcd's history up to now, as the API server does periodically: watches from an
  // older resourceVersion are then answered with 410 Gone.
  Status CompactStorage();

 private:
  KubeApiserverProcess() = default;
  Status MakeCertificates();
  // A kubeconfig at `path` authenticating with <dir>/<cert>.crt and <cert>.key.
  void WriteKubeconfig(const std::string& path, const std::string& cert) const;
  // Advances etcd's revision before the API server starts, so its watch caches begin above
  // small resourceVersions and a watch from "1" is answered with 410 Gone.
  Status PadStorage();
  Status Launch(const std::string& binary, const KubeApiserverOptions& options);

  curve::testing::TempDir dir_;
  int port_ = 0;
  KubeConfig admin_;
  std::string kubeconfig_path_;
  std::unique_ptr<curve::testing::EtcdProcess> etcd_;
  std::unique_ptr<curve::testing::Subprocess> process_;
};

}  // namespace curve::k8s::testing
