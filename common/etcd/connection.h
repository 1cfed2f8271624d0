#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/client_context.h>

#include "common/etcd/types.h"
#include "common/result.h"
#include "proto/etcd/rpc.grpc.pb.h"

namespace curve::etcd {

// The stubs of one etcd endpoint.
struct Endpoint {
  std::string address;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease;
};

// Internal to common/etcd: the channels to every endpoint and the endpoint currently in use.
// Thread-safe. Shared by the client, its watchers and lease keepers so they may outlive it.
class Connection {
 public:
  static Result<std::shared_ptr<Connection>> Create(const EtcdOptions& options);

  const EtcdOptions& options() const { return options_; }

  // The endpoint calls should use now.
  Endpoint& Current();
  // Moves to the next endpoint if `failed` is still the current one.
  void Rotate(const Endpoint& failed);

  // Runs `attempt` against the current endpoint under the retry policy, rotating endpoints on
  // failures that suggest the endpoint is gone. Non-idempotent calls are retried only on
  // UNAVAILABLE. Errors name `what` and, when unreachable, the endpoints.
  Status Call(std::string_view what, bool idempotent,
              const std::function<grpc::Status(Endpoint&, grpc::ClientContext&)>& attempt);
  Status CallWithPolicy(
      std::string_view what, const rpc::RetryPolicy& policy,
      const std::function<grpc::Status(Endpoint&, grpc::ClientContext&)>& attempt);

  // Renews a lease once over a short-lived keepalive stream; returns the TTL etcd granted.
  // NOT_FOUND when the lease has expired or never existed.
  Result<std::chrono::seconds> KeepAlive(int64_t lease_id, const rpc::RetryPolicy& policy);

 private:
  explicit Connection(EtcdOptions options) : options_(std::move(options)) {}

  EtcdOptions options_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::atomic<size_t> current_{0};
};

}  // namespace curve::etcd
