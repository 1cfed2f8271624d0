#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "common/etcd/etcd_client.h"
#include "common/result.h"

namespace curve::etcd {

// Holds an etcd lease alive from its own thread, renewing every TTL/3. When a renewal finds the
// lease gone, or no renewal succeeds for a whole TTL (etcd unreachable), the lease is lost:
// `on_lost` runs once on the keeper's thread, then lost() turns true and renewals stop. Keys
// attached to the lease vanish when it expires, which is how other processes learn that this one
// died.
class LeaseKeeper {
 public:
  static Result<std::unique_ptr<LeaseKeeper>> Start(
      EtcdClient& client, std::chrono::seconds ttl,
      std::function<void(const Status&)> on_lost = nullptr);
  // Stops renewing and revokes the lease (best effort) so its keys vanish at once.
  ~LeaseKeeper();

  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  int64_t id() const { return lease_.id; }
  std::chrono::seconds ttl() const { return lease_.ttl; }
  bool lost() const;

  // Blocks until the lease is lost or the timeout passes; returns lost().
  bool WaitLost(std::chrono::milliseconds timeout) const;

 private:
  struct State;
  LeaseKeeper(EtcdClient& client, Lease lease, std::function<void(const Status&)> on_lost);
  void Run();

  EtcdClient& client_;
  Lease lease_;
  std::function<void(const Status&)> on_lost_;
  std::unique_ptr<State> state_;
  std::thread thread_;
};

}  // namespace curve::etcd
