#include "common/etcd/lease_keeper.h"

#include <condition_variable>
#include <mutex>

#include "common/etcd/connection.h"
#include "common/logging.h"

namespace curve::etcd {

struct LeaseKeeper::State {
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  bool stopping = false;
  bool lost = false;
};

Result<std::unique_ptr<LeaseKeeper>> LeaseKeeper::Start(
    EtcdClient& client, std::chrono::seconds ttl, std::function<void(const Status&)> on_lost) {
  CURVE_ASSIGN_OR_RETURN(Lease lease, client.GrantLease(ttl));
  return std::unique_ptr<LeaseKeeper>(new LeaseKeeper(client, lease, std::move(on_lost)));
}

LeaseKeeper::LeaseKeeper(EtcdClient& client, Lease lease,
                         std::function<void(const Status&)> on_lost)
    : client_(client),
      lease_(lease),
      on_lost_(std::move(on_lost)),
      state_(std::make_unique<State>()) {
  thread_ = std::thread([this] { Run(); });
}

LeaseKeeper::~LeaseKeeper() {
  bool was_lost;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopping = true;
    was_lost = state_->lost;
  }
  state_->cv.notify_all();
  thread_.join();
  if (!was_lost) {
    Status status = client_.RevokeLease(lease_.id);
    if (!status.ok() && status.code() != StatusCode::kNotFound) {
      log::Get("etcd")->warn("op=lease_revoke lease={} err={}", lease_.id, status.ToString());
    }
  }
}

bool LeaseKeeper::lost() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->lost;
}

bool LeaseKeeper::WaitLost(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(state_->mu);
  return state_->cv.wait_for(lock, timeout, [&] { return state_->lost; });
}

void LeaseKeeper::Run() {
  using Clock = std::chrono::steady_clock;
  auto period = std::max<std::chrono::milliseconds>(lease_.ttl / 3, std::chrono::milliseconds(100));
  // Each renewal may use at most one period, so a dead endpoint cannot delay loss detection.
  rpc::RetryPolicy policy = client_.options().retry;
  policy.attempt_timeout =
      std::max<std::chrono::milliseconds>(period / 2, std::chrono::milliseconds(50));
  policy.total_timeout = period;
  policy.initial_backoff = std::chrono::milliseconds(20);
  auto expires_at = Clock::now() + lease_.ttl;
  Status failure;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(state_->mu);
      if (state_->cv.wait_for(lock, period, [&] { return state_->stopping; })) return;
    }
    auto sent_at = Clock::now();
    auto renewed = client_.connection()->KeepAlive(lease_.id, policy);
    if (renewed.ok()) {
      expires_at = sent_at + *renewed;
      continue;
    }
    if (renewed.status().code() == StatusCode::kNotFound) {
      failure = renewed.status();
      break;
    }
    if (Clock::now() >= expires_at) {
      failure = UnavailableError("etcd lease " + std::to_string(lease_.id) +
                                 " not renewed within its TTL: " + renewed.status().message());
      break;
    }
  }
  log::Get("etcd")->error("op=lease_keepalive lease={} lost: {}", lease_.id, failure.ToString());
  // The callback runs before lost() turns true, so a caller that saw the loss also sees what
  // the callback did.
  if (on_lost_) on_lost_(failure);
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->lost = true;
  }
  state_->cv.notify_all();
}

}  // namespace curve::etcd
