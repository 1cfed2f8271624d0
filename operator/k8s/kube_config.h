#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace curve::k8s {

// How to reach and authenticate to an API server. Secrets (key, token) are never logged.
struct KubeConfig {
  std::string server;  // "https://127.0.0.1:6443"
  std::string ca_pem;  // trusted CA certificates; empty = the system's roots
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem;  // client certificate authentication, with the key
  std::string client_key_pem;
  std::string token;       // bearer token
  std::string token_file;  // bearer token re-read from this file (rotated service-account tokens)
  std::string ns = "default";  // the context's or the service account's namespace

  // The context `context` (default: current-context) of a kubeconfig file. Inline data
  // (certificate-authority-data, client-certificate-data, client-key-data) and file references
  // (relative to the file's directory), token and tokenFile are supported; exec and
  // auth-provider plugins are not (InvalidArgument).
  static Result<KubeConfig> FromKubeconfigFile(const std::string& path,
                                               const std::string& context = "");
  static Result<KubeConfig> FromKubeconfigString(std::string_view yaml, const std::string& origin,
                                                 const std::string& base_dir,
                                                 const std::string& context = "");
  // Inside a pod: KUBERNETES_SERVICE_HOST/PORT, and the service account's token (as token_file),
  // ca.crt and namespace under `account_dir`.
  static Result<KubeConfig> InCluster(
      const std::string& account_dir = "/var/run/secrets/kubernetes.io/serviceaccount");
  // The first of: the file `kubeconfig_path` when not empty (a --kubeconfig flag), $KUBECONFIG
  // (its first path), in-cluster config when KUBERNETES_SERVICE_HOST is set, ~/.kube/config.
  static Result<KubeConfig> Load(const std::string& kubeconfig_path = "");
};

// Standard base64 (padding optional, whitespace ignored); InvalidArgument on bad input.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace curve::k8s
