#include "operator/k8s/kube_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace curve::k8s {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

// The entry named `name` of a kubeconfig list ("clusters", "users", "contexts"), its inner map.
YAML::Node FindNamed(const YAML::Node& root, const char* list, const char* inner,
                     const std::string& name) {
  YAML::Node entries = root[list];
  if (!entries || !entries.IsSequence()) return YAML::Node();
  for (const auto& entry : entries) {
    if (entry["name"] && entry["name"].as<std::string>() == name) return entry[inner];
  }
  return YAML::Node();
}

std::string Scalar(const YAML::Node& node, const char* key) {
  if (!node || !node.IsMap() || !node[key] || !node[key].IsScalar()) return "";
  return node[key].as<std::string>();
}

// `data_key` (base64) or `file_key` (path), whichever is set.
Result<std::string> DataOrFile(const YAML::Node& node, const char* data_key, const char* file_key,
                               const std::string& base_dir) {
  std::string data = Scalar(node, data_key);
  if (!data.empty()) return Base64Decode(data);
  std::string file = Scalar(node, file_key);
  if (!file.empty()) return ReadFile(Resolve(base_dir, file));
  return std::string();
}

}  // namespace

Result<std::string> Base64Decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=' || c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    int v = value(c);
    if (v < 0) return InvalidArgumentError("invalid base64 character");
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

Result<KubeConfig> KubeConfig::FromKubeconfigFile(const std::string& path,
                                                  const std::string& context) {
  CURVE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  return FromKubeconfigString(text, path, dir, context);
}

Result<KubeConfig> KubeConfig::FromKubeconfigString(std::string_view yaml,
                                                    const std::string& origin,
                                                    const std::string& base_dir,
                                                    const std::string& context) {
  auto invalid = [&](const std::string& what) {
    return InvalidArgumentError("kubeconfig " + origin + ": " + what);
  };
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return invalid(std::string("not YAML: ") + e.what());
  }
  try {
    std::string context_name = context.empty() ? Scalar(root, "current-context") : context;
    if (context_name.empty()) return invalid("no current-context and none given");
    YAML::Node ctx = FindNamed(root, "contexts", "context", context_name);
    if (!ctx || ctx.IsNull()) return invalid("context '" + context_name + "' not found");
    std::string cluster_name = Scalar(ctx, "cluster");
    std::string user_name = Scalar(ctx, "user");
    YAML::Node cluster = FindNamed(root, "clusters", "cluster", cluster_name);
    if (!cluster || cluster.IsNull()) return invalid("cluster '" + cluster_name + "' not found");
    KubeConfig config;
    config.server = Scalar(cluster, "server");
    if (config.server.empty()) return invalid("cluster '" + cluster_name + "' has no server");
    config.insecure_skip_tls_verify = Scalar(cluster, "insecure-skip-tls-verify") == "true";
    auto ca = DataOrFile(cluster, "certificate-authority-data", "certificate-authority", base_dir);
    if (!ca.ok()) return invalid("certificate authority: " + ca.status().message());
    config.ca_pem = *ca;
    std::string ns = Scalar(ctx, "namespace");
    if (!ns.empty()) config.ns = ns;
    if (!user_name.empty()) {
      YAML::Node user = FindNamed(root, "users", "user", user_name);
      if (!user || user.IsNull()) return invalid("user '" + user_name + "' not found");
      if (user["exec"] || user["auth-provider"]) {
        return invalid("user '" + user_name + "': exec and auth-provider are not supported");
      }
      auto cert = DataOrFile(user, "client-certificate-data", "client-certificate", base_dir);
      if (!cert.ok()) return invalid("client certificate: " + cert.status().message());
      auto key = DataOrFile(user, "client-key-data", "client-key", base_dir);
      if (!key.ok()) return invalid("client key: " + key.status().message());
      config.client_cert_pem = *cert;
      config.client_key_pem = *key;
      if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
        return invalid("user '" + user_name + "': client certificate and key go together");
      }
      config.token = Scalar(user, "token");
      std::string token_file = Scalar(user, "tokenFile");
      if (!token_file.empty()) config.token_file = Resolve(base_dir, token_file);
    }
    return config;
  } catch (const YAML::Exception& e) {
    return invalid(e.what());
  }
}

Result<KubeConfig> KubeConfig::InCluster(const std::string& account_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port) {
    return FailedPreconditionError(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
  }
  KubeConfig config;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  config.server = "https://" + h + ":" + port;
  config.token_file = account_dir + "/token";
  auto token = ReadFile(config.token_file);
  if (!token.ok()) return token.status().WithContext("in-cluster config");
  auto ca = ReadFile(account_dir + "/ca.crt");
  if (!ca.ok()) return ca.status().WithContext("in-cluster config");
  config.ca_pem = *ca;
  auto ns = ReadFile(account_dir + "/namespace");
  if (ns.ok() && !ns->empty()) config.ns = *ns;
  return config;
}

Result<KubeConfig> KubeConfig::Load(const std::string& kubeconfig_path) {
  if (!kubeconfig_path.empty()) return FromKubeconfigFile(kubeconfig_path);
  const char* env = std::getenv("KUBECONFIG");
  if (env && *env) {
    std::string first = env;
    first = first.substr(0, first.find(':'));
    return FromKubeconfigFile(first);
  }
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  if (host && *host) return InCluster();
  const char* home = std::getenv("HOME");
  return FromKubeconfigFile(std::string(home ? home : "") + "/.kube/config");
}

}  // namespace curve::k8s
