#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "common/status.h"

namespace grpc {
class Channel;
class ClientContext;
class Status;
}  // namespace grpc

namespace curve::rpc {

// How a client retries a call. Defaults suit a control-plane RPC on a local network.
struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  double multiplier = 2.0;
  double jitter = 0.2;  // each delay is scaled by a factor in [1 - jitter, 1 + jitter]
  std::chrono::milliseconds attempt_timeout{5000};  // deadline of one attempt
  std::chrono::milliseconds total_timeout{30000};   // no attempt starts after this
  // DEADLINE_EXCEEDED leaves unknown whether a mutation was applied: retry it only for calls
  // that are safe to repeat.
  bool retry_deadline_exceeded = true;
};

// Exponential backoff with jitter. Deterministic for a given seed. Not thread-safe.
class Backoff {
 public:
  Backoff(const RetryPolicy& policy, uint64_t seed);
  // The delay before the next attempt; grows by `multiplier` up to `max_backoff`.
  std::chrono::milliseconds Next();
  void Reset();

 private:
  RetryPolicy policy_;
  double current_ms_;
  std::mt19937_64 rng_;
};

// Errors worth another attempt under `policy`: the peer was unreachable or overloaded, or (when
// the policy allows) the attempt's own deadline passed.
bool IsRetryable(StatusCode code, const RetryPolicy& policy);

// Runs `attempt` with a fresh ClientContext carrying the per-attempt deadline until it returns OK
// or a non-retryable error, the attempts are exhausted, or the total timeout passes; sleeps a
// backoff between attempts. The error returned names `what` and the number of attempts.
// Thread-safe (no shared state).
Status CallWithRetry(const RetryPolicy& policy, std::string_view what,
                     const std::function<grpc::Status(grpc::ClientContext&)>& attempt);

// An insecure channel to "host:port" (or any gRPC target) with keepalive pings so dead peers are
// noticed, and reconnect backoff capped at one second.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target);

}  // namespace curve::rpc
