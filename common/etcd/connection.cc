#include "common/etcd/connection.h"

#include <grpcpp/channel.h>

#include "common/rpc/retry.h"

namespace curve::etcd {

Result<std::shared_ptr<Connection>> Connection::Create(const EtcdOptions& options) {
  if (options.endpoints.empty()) {
    return InvalidArgumentError("etcd endpoints: empty list: expected at least one host:port");
  }
  std::shared_ptr<Connection> connection(new Connection(options));
  for (const std::string& address : options.endpoints) {
    std::string target = address;
    for (const char* scheme : {"http://", "https://"}) {
      if (target.rfind(scheme, 0) == 0) target = target.substr(std::string(scheme).size());
    }
    if (target.empty() || target.find(':') == std::string::npos) {
      return InvalidArgumentError("etcd endpoint '" + address + "' is invalid: expected host:port");
    }
    auto endpoint = std::make_unique<Endpoint>();
    endpoint->address = target;
    auto channel = rpc::MakeChannel(target);
    endpoint->kv = etcdserverpb::KV::NewStub(channel);
    endpoint->watch = etcdserverpb::Watch::NewStub(channel);
    endpoint->lease = etcdserverpb::Lease::NewStub(channel);
    connection->endpoints_.push_back(std::move(endpoint));
  }
  return connection;
}

Endpoint& Connection::Current() { return *endpoints_[current_.load() % endpoints_.size()]; }

void Connection::Rotate(const Endpoint& failed) {
  size_t index = current_.load();
  if (endpoints_[index % endpoints_.size()].get() == &failed) {
    current_.compare_exchange_strong(index, index + 1);
  }
}

Status Connection::Call(
    std::string_view what, bool idempotent,
    const std::function<grpc::Status(Endpoint&, grpc::ClientContext&)>& attempt) {
  rpc::RetryPolicy policy = options_.retry;
  policy.retry_deadline_exceeded = idempotent;
  return CallWithPolicy(what, policy, attempt);
}

Status Connection::CallWithPolicy(
    std::string_view what, const rpc::RetryPolicy& policy,
    const std::function<grpc::Status(Endpoint&, grpc::ClientContext&)>& attempt) {
  Status status = rpc::CallWithRetry(policy, what, [&](grpc::ClientContext& context) {
    Endpoint& endpoint = Current();
    grpc::Status result = attempt(endpoint, context);
    if (result.error_code() == grpc::StatusCode::UNAVAILABLE ||
        result.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      Rotate(endpoint);
    }
    return result;
  });
  if (status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kDeadlineExceeded) {
    std::string list;
    for (const auto& endpoint : endpoints_) list += (list.empty() ? "" : ",") + endpoint->address;
    return Status(status.code(), "etcd unreachable at " + list + ": " + status.message());
  }
  return status;
}

Result<std::chrono::seconds> Connection::KeepAlive(int64_t lease_id,
                                                   const rpc::RetryPolicy& policy) {
  etcdserverpb::LeaseKeepAliveRequest request;
  request.set_id(lease_id);
  etcdserverpb::LeaseKeepAliveResponse response;
  bool got_response = false;
  CURVE_RETURN_IF_ERROR(CallWithPolicy("etcd lease keepalive " + std::to_string(lease_id), policy,
                                       [&](Endpoint& e, grpc::ClientContext& context) {
                                         auto stream = e.lease->LeaseKeepAlive(&context);
                                         stream->Write(request);
                                         stream->WritesDone();
                                         got_response = stream->Read(&response);
                                         grpc::Status status = stream->Finish();
                                         return got_response ? grpc::Status::OK : status;
                                       }));
  if (!got_response || response.ttl() <= 0) {
    return NotFoundError("etcd lease " + std::to_string(lease_id) +
                         " has expired or never existed");
  }
  return std::chrono::seconds(response.ttl());
}

}  // namespace curve::etcd
