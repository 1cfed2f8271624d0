#include "operator/k8s/testing/kube_apiserver_process.h"

#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/etcd/etcd_client.h"
#include "operator/k8s/rest_kube_client.h"

namespace curve::k8s::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Tail(const std::string& path) {
  std::string text = ReadAll(path);
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Runs a shell command in `dir`; its output goes to <dir>/openssl.log.
Status Shell(const std::string& dir, const std::string& command) {
  std::string full = "cd '" + dir + "' && (" + command + ") >>openssl.log 2>&1";
  int rc = std::system(full.c_str());
  if (rc != 0) {
    return InternalError("command failed (" + std::to_string(rc) + "): " + command + "\n" +
                         Tail(dir + "/openssl.log"));
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> KubeApiserverProcess::FindTool(const std::string& env_var,
                                                   const std::string& tool,
                                                   const std::string& binary) {
  const char* env = std::getenv(env_var.c_str());
  std::string dir = env && *env ? env : "";
  if (dir.empty()) {
    std::string command = std::string(CURVE_SOURCE_DIR) + "/scripts/go-tools.sh path " + tool;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
      char line[4096];
      if (std::fgets(line, sizeof(line), pipe)) dir = line;
      ::pclose(pipe);
    }
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
  }
  if (dir.empty() || !Exists(dir + "/" + binary)) {
    return NotFoundError(binary + " not found in '" + dir + "' (set " + env_var +
                         " or run `scripts/go-tools.sh " + tool + "`)");
  }
  return dir;
}

Result<std::string> KubeApiserverProcess::FindBinaries() {
  CURVE_RETURN_IF_ERROR(FindEtcd().status());
  return FindTool("CURVE_K8S_BIN_DIR", "k8s", "kube-apiserver");
}

Result<std::string> KubeApiserverProcess::FindEtcd() {
  CURVE_ASSIGN_OR_RETURN(std::string dir, FindTool("CURVE_K8S_ETCD_BIN_DIR", "etcd", "etcd"));
  return dir + "/etcd";
}

Status KubeApiserverProcess::MakeCertificates() {
  const std::string& d = dir_.path();
  const char* ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  CURVE_RETURN_IF_ERROR(
      Shell(d, std::string("openssl req -x509 ") + ec +
                   " -keyout ca.key -out ca.crt -days 2 -subj /CN=curve-test-ca"));
  {
    std::ofstream ext(d + "/server.ext");
    ext << "subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
           "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,"
           "IP:127.0.0.1,IP:10.96.0.1\nextendedKeyUsage=serverAuth\n";
    std::ofstream client(d + "/client.ext");
    client << "extendedKeyUsage=clientAuth\n";
  }
  CURVE_RETURN_IF_ERROR(
      Shell(d, std::string("openssl req ") + ec +
                   " -keyout server.key -out server.csr -subj /CN=kube-apiserver"));
  CURVE_RETURN_IF_ERROR(Shell(d,
                              "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key "
                              "-CAcreateserial -out server.crt -days 2 -extfile server.ext"));
  CURVE_RETURN_IF_ERROR(Shell(
      d, std::string("openssl req ") + ec +
             " -keyout admin.key -out admin.csr -subj '/O=system:masters/CN=curve-test-admin'"));
  CURVE_RETURN_IF_ERROR(Shell(d,
                              "openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key "
                              "-CAcreateserial -out admin.crt -days 2 -extfile client.ext"));
  CURVE_RETURN_IF_ERROR(Shell(d,
                              "openssl genrsa -out sa.key 2048 && "
                              "openssl rsa -in sa.key -pubout -out sa.pub"));
  return Status::Ok();
}

Status KubeApiserverProcess::Launch(const std::string& binary,
                                    const KubeApiserverOptions& options) {
  const std::string& d = dir_.path();
  std::vector<std::string> argv = {
      binary,
      "--etcd-servers=http://" + etcd_->endpoint(),
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      "--secure-port=" + std::to_string(port_),
      "--cert-dir=" + d + "/certs",
      "--tls-cert-file=" + d + "/server.crt",
      "--tls-private-key-file=" + d + "/server.key",
      "--client-ca-file=" + d + "/ca.crt",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      "--service-account-key-file=" + d + "/sa.pub",
      "--service-account-signing-key-file=" + d + "/sa.key",
      "--service-cluster-ip-range=10.96.0.0/16",
      "--authorization-mode=RBAC",
      "--allow-privileged=true",
      // The default endpoint reconciler refuses a loopback advertise address.
      "--endpoint-reconciler-type=none",
      "--v=1",
  };
  if (options.audit_writes) {
    std::ofstream policy(d + "/audit-policy.yaml");
    policy << "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\n"
              "rules:\n- level: Metadata\n"
              "  verbs: [create, update, patch, delete, deletecollection]\n- level: None\n";
    argv.push_back("--audit-policy-file=" + d + "/audit-policy.yaml");
    argv.push_back("--audit-log-path=" + d + "/audit.log");
    argv.push_back("--audit-log-format=json");
    argv.push_back("--audit-log-mode=blocking");
  }
  auto process = curve::testing::Subprocess::Start(argv, d + "/kube-apiserver.log");
  if (!process.ok()) return process.status();
  process_ = std::make_unique<curve::testing::Subprocess>(std::move(process).value());

  auto client = RestKubeClient::Create(admin_);
  if (!client.ok()) return client.status();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  Status last;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) {
      return UnavailableError("kube-apiserver exited:\n" + Tail(d + "/kube-apiserver.log"));
    }
    auto ready = (*client)->GetRaw("/readyz");
    if (ready.ok() && *ready == "ok") return Status::Ok();
    last = ready.ok() ? UnavailableError(*ready) : ready.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return DeadlineExceededError("kube-apiserver not ready after 60 s: " + last.ToString() + "\n" +
                               Tail(d + "/kube-apiserver.log"));
}

Result<std::unique_ptr<KubeApiserverProcess>> KubeApiserverProcess::Start(
    const KubeApiserverOptions& options) {
  CURVE_ASSIGN_OR_RETURN(std::string bin_dir, FindBinaries());
  std::unique_ptr<KubeApiserverProcess> server(new KubeApiserverProcess());
  CURVE_RETURN_IF_ERROR(server->MakeCertificates());
  CURVE_ASSIGN_OR_RETURN(std::string etcd_bin, FindEtcd());
  // The store of a throw-away control plane: durability across a power cut is not needed.
  CURVE_ASSIGN_OR_RETURN(server->etcd_,
                         curve::testing::EtcdProcess::Start(etcd_bin, {"--unsafe-no-fsync"}));
  CURVE_RETURN_IF_ERROR(server->PadStorage());
  const std::string& d = server->dir_.path();
  Status status;
  for (int attempt = 0; attempt < 2; ++attempt) {
    server->admin_.ca_pem = ReadAll(d + "/ca.crt");
    server->admin_.client_cert_pem = ReadAll(d + "/admin.crt");
    server->admin_.client_key_pem = ReadAll(d + "/admin.key");
    server->port_ = curve::testing::PickFreePort();
    server->admin_.server = server->server();
    status = server->Launch(bin_dir + "/kube-apiserver", options);
    if (status.ok()) break;
    if (server->process_) server->process_->Kill(SIGKILL);
  }
  if (!status.ok()) return status;
  server->kubeconfig_path_ = d + "/kubeconfig";
  server->WriteKubeconfig(server->kubeconfig_path_, "admin");
  return server;
}

void KubeApiserverProcess::WriteKubeconfig(const std::string& path, const std::string& cert) const {
  std::ofstream kubeconfig(path);
  kubeconfig << "apiVersion: v1\nkind: Config\ncurrent-context: " << cert << "\n"
             << "clusters:\n- name: test\n  cluster:\n    server: " << server()
             << "\n    certificate-authority: ca.crt\n"
             << "users:\n- name: " << cert << "\n  user:\n    client-certificate: " << cert
             << ".crt\n"
             << "    client-key: " << cert << ".key\n"
             << "contexts:\n- name: " << cert << "\n  context: {cluster: test, user: " << cert
             << "}\n";
}

Result<std::string> KubeApiserverProcess::MakeKubeconfig(const std::string& user,
                                                         const std::string& group) {
  const std::string& d = dir_.path();
  CURVE_RETURN_IF_ERROR(Shell(d,
                              "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                              "-nodes -keyout '" +
                                  user + ".key' -out '" + user + ".csr' -subj '/O=" + group +
                                  "/CN=" + user + "'"));
  CURVE_RETURN_IF_ERROR(Shell(d, "openssl x509 -req -in '" + user +
                                     ".csr' -CA ca.crt -CAkey ca.key -CAcreateserial -out '" +
                                     user + ".crt' -days 2 -extfile client.ext"));
  std::string path = d + "/" + user + ".kubeconfig";
  WriteKubeconfig(path, user);
  return path;
}

std::vector<AuditedWrite> KubeApiserverProcess::AuditedWrites(const std::string& user) const {
  std::vector<AuditedWrite> writes;
  std::ifstream in(dir_.path() + "/audit.log");
  std::string line;
  while (std::getline(in, line)) {
    auto event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!event.is_object() || event.value("stage", "") != "ResponseComplete") continue;
    AuditedWrite w;
    w.user = event.value("user", nlohmann::json::object()).value("username", "");
    if (!user.empty() && w.user != user) continue;
    w.verb = event.value("verb", "");
    const auto& ref = event.value("objectRef", nlohmann::json::object());
    w.resource = ref.value("resource", "");
    w.subresource = ref.value("subresource", "");
    w.ns = ref.value("namespace", "");
    w.name = ref.value("name", "");
    w.code = event.value("responseStatus", nlohmann::json::object()).value("code", 0);
    writes.push_back(std::move(w));
  }
  return writes;
}

Status KubeApiserverProcess::PadStorage() {
  curve::etcd::EtcdOptions options;
  options.endpoints = {etcd_->endpoint()};
  CURVE_ASSIGN_OR_RETURN(auto client, curve::etcd::EtcdClient::Create(options));
  for (int i = 0; i < 50; ++i) {
    CURVE_RETURN_IF_ERROR(client->Put("/curve-test/pad", std::to_string(i)).status());
  }
  return Status::Ok();
}

Status KubeApiserverProcess::CompactStorage() {
  curve::etcd::EtcdOptions options;
  options.endpoints = {etcd_->endpoint()};
  CURVE_ASSIGN_OR_RETURN(auto client, curve::etcd::EtcdClient::Create(options));
  CURVE_ASSIGN_OR_RETURN(int64_t revision, client->Put("/curve-test/compact", "now"));
  return client->Compact(revision);
}

KubeApiserverProcess::~KubeApiserverProcess() {
  if (process_) process_->Kill(SIGTERM);
}

}  // namespace curve::k8s::testing
