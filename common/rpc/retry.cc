#include "common/rpc/retry.h"

#include <algorithm>
#include <thread>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "common/rpc/grpc_status.h"

namespace curve::rpc {

Backoff::Backoff(const RetryPolicy& policy, uint64_t seed)
    : policy_(policy), current_ms_(policy.initial_backoff.count()), rng_(seed) {}

std::chrono::milliseconds Backoff::Next() {
  std::uniform_real_distribution<double> spread(1.0 - policy_.jitter, 1.0 + policy_.jitter);
  double delay = std::min<double>(current_ms_, policy_.max_backoff.count()) * spread(rng_);
  current_ms_ = std::min<double>(current_ms_ * policy_.multiplier, policy_.max_backoff.count());
  return std::chrono::milliseconds(static_cast<int64_t>(delay));
}

void Backoff::Reset() { current_ms_ = policy_.initial_backoff.count(); }

bool IsRetryable(StatusCode code, const RetryPolicy& policy) {
  return code == StatusCode::kUnavailable || code == StatusCode::kResourceExhausted ||
         (code == StatusCode::kDeadlineExceeded && policy.retry_deadline_exceeded);
}

Status CallWithRetry(const RetryPolicy& policy, std::string_view what,
                     const std::function<grpc::Status(grpc::ClientContext&)>& attempt) {
  auto start = std::chrono::steady_clock::now();
  auto give_up_at = start + policy.total_timeout;
  Backoff backoff(policy, std::random_device{}());
  Status last;
  int attempts = 0;
  while (attempts < policy.max_attempts) {
    ++attempts;
    grpc::ClientContext context;
    auto deadline = std::min(std::chrono::steady_clock::now() + policy.attempt_timeout, give_up_at);
    context.set_deadline(std::chrono::system_clock::now() +
                         (deadline - std::chrono::steady_clock::now()));
    last = FromGrpcStatus(attempt(context));
    if (last.ok() || !IsRetryable(last.code(), policy)) return last;
    auto delay = backoff.Next();
    if (std::chrono::steady_clock::now() + delay >= give_up_at) break;
    std::this_thread::sleep_for(delay);
  }
  return last.WithContext(std::string(what) + " failed after " + std::to_string(attempts) +
                          (attempts == 1 ? " attempt" : " attempts"));
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

}  // namespace curve::rpc
