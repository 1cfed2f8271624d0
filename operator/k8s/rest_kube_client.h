#pragma once

#include <chrono>
#include <memory>

#include "common/rpc/retry.h"
#include "operator/k8s/kube_client.h"
#include "operator/k8s/kube_config.h"

namespace curve::k8s {

struct RestKubeClientOptions {
  std::chrono::seconds request_timeout{30};
  // Retries of idempotent calls (get, list, apply, delete) on Unavailable / 429 / transport
  // errors. Non-idempotent calls (create, update, patch) are tried once.
  rpc::RetryPolicy retry;
  // A token read from KubeConfig::token_file is re-read after this long (and after a 401).
  std::chrono::seconds token_refresh{60};
  std::string user_agent = "curve-operator";
};

// KubeClient over the API server's REST API (HTTPS with the config's CA, client certificate
// or bearer token), built on cpprestsdk; none of its types or exceptions leak out. Thread-safe.
class RestKubeClient : public KubeClient {
 public:
  // Fails with InvalidArgument when the config is unusable (bad URL, unreadable PEM).
  static Result<std::unique_ptr<RestKubeClient>> Create(const KubeConfig& config,
                                                        RestKubeClientOptions options = {});
  ~RestKubeClient() override;

  Result<Json> Get(const Resource& resource, std::string_view ns, std::string_view name,
                   std::string_view subresource = {}) override;
  Result<ListPage> List(const Resource& resource, std::string_view ns,
                        const ListOptions& options = {}) override;
  Result<std::unique_ptr<WatchStream>> Watch(const Resource& resource, std::string_view ns,
                                             const WatchOptions& options,
                                             WatchEventHandler on_event,
                                             WatchDoneHandler on_done) override;
  Result<Json> Create(const Resource& resource, std::string_view ns, const Json& object,
                      const WriteOptions& options = {}) override;
  Result<Json> Update(const Resource& resource, std::string_view ns, const Json& object,
                      std::string_view subresource = {}, const WriteOptions& options = {}) override;
  Result<Json> Apply(const Resource& resource, std::string_view ns, std::string_view name,
                     const Json& object, const ApplyOptions& options,
                     std::string_view subresource = {}) override;
  Result<Json> MergePatch(const Resource& resource, std::string_view ns, std::string_view name,
                          const Json& patch, std::string_view subresource = {},
                          const WriteOptions& options = {}) override;
  Status Delete(const Resource& resource, std::string_view ns, std::string_view name,
                const DeleteOptions& options = {}) override;

  // GET of any path (e.g. "/version", "/readyz"), returning the body; for tools and tests.
  Result<std::string> GetRaw(const std::string& path);

 private:
  class Impl;
  explicit RestKubeClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace curve::k8s
