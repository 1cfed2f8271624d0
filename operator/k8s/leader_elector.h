#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "operator/k8s/clock.h"
#include "operator/k8s/kube_client.h"

namespace curve::k8s {

struct LeaderElectionOptions {
  std::string ns;        // namespace of the Lease
  std::string name;      // name of the Lease
  std::string identity;  // unique per replica, e.g. the pod name
  // A holder that has not renewed for this long (as observed locally) may be replaced.
  Clock::Duration lease_duration = std::chrono::seconds(15);
  // The leader gives up (stops its work) when it could not renew for this long; must be shorter
  // than lease_duration so the old leader has stopped before anyone else can take over.
  Clock::Duration renew_deadline = std::chrono::seconds(10);
  Clock::Duration retry_period = std::chrono::seconds(2);
  // On Stop(), hand the lease back so another replica takes over at once.
  bool release_on_stop = true;
};

struct LeaderCallbacks {
  // Runs on its own thread while this replica leads; `stop` is requested when leadership ends
  // (lost or Stop()), and the work must then return promptly.
  std::function<void(std::stop_token stop)> on_started_leading;
  // After the work returned.
  std::function<void()> on_stopped_leading;
  // When the observed holder changes (including to this replica).
  std::function<void(const std::string& identity)> on_new_leader;
};

// Leader election on a coordination.k8s.io/v1 Lease (holderIdentity, leaseDurationSeconds,
// acquireTime, renewTime, leaseTransitions), with optimistic concurrency on its
// resourceVersion. Expiry is judged by the local clock from when this replica last saw the
// record change, so replicas' wall clocks need not agree. Thread-safe.
class LeaderElector {
 public:
  LeaderElector(KubeClient* client, LeaderElectionOptions options, LeaderCallbacks callbacks = {},
                const Clock* clock = Clock::Real());
  ~LeaderElector();

  // Campaigns on a background thread: acquire, lead, renew; after losing the lease it campaigns
  // again.
  void Start();
  // Stops leading (the work is asked to stop and joined) and campaigning; releases the lease if
  // held and options.release_on_stop. Idempotent.
  void Stop();

  bool IsLeader() const;
  // The holder last observed ("" when none).
  std::string leader() const;

  // One attempt to acquire or renew the lease; true when this replica holds it afterwards.
  // Exposed for tests; Start() calls it.
  bool TryAcquireOrRenew();

 private:
  void Run();
  void Release();
  // Waits for `d` or Stop(); false when stopping.
  bool Sleep(Clock::Duration d);
  void ObserveHolder(const std::string& holder);

  KubeClient* const client_;
  const LeaderElectionOptions options_;
  const LeaderCallbacks callbacks_;
  const Clock* const clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool leading_ = false;
  Json observed_spec_;
  Clock::TimePoint observed_time_{};
  std::string observed_holder_;
  std::thread thread_;
};

}  // namespace curve::k8s
