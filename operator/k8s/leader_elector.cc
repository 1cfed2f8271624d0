#include "operator/k8s/leader_elector.h"

#include "common/logging.h"
#include "operator/k8s/api_status.h"
#include "operator/k8s/kube_time.h"
#include "operator/k8s/object_meta.h"

namespace curve::k8s {

LeaderElector::LeaderElector(KubeClient* client, LeaderElectionOptions options,
                             LeaderCallbacks callbacks, const Clock* clock)
    : client_(client),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      clock_(clock) {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  std::lock_guard<std::mutex> guard(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Stop() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool LeaderElector::IsLeader() const {
  std::lock_guard<std::mutex> guard(mu_);
  return leading_;
}

std::string LeaderElector::leader() const {
  std::lock_guard<std::mutex> guard(mu_);
  return observed_holder_;
}

bool LeaderElector::Sleep(Clock::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  auto deadline = clock_->Now() + d;
  while (!stopping_ && clock_->Now() < deadline) clock_->WaitUntil(cv_, lock, deadline);
  return !stopping_;
}

void LeaderElector::ObserveHolder(const std::string& holder) {
  bool changed;
  {
    std::lock_guard<std::mutex> guard(mu_);
    changed = holder != observed_holder_;
    observed_holder_ = holder;
  }
  if (changed && callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
}

bool LeaderElector::TryAcquireOrRenew() {
  auto wall_now = FormatMicroTime(std::chrono::system_clock::now());
  int64_t duration_seconds = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(options_.lease_duration).count());
  auto lease = client_->Get(resources::kLeases, options_.ns, options_.name);
  if (!lease.ok() && lease.status().code() == StatusCode::kNotFound) {
    Json spec = {{"holderIdentity", options_.identity},
                 {"leaseDurationSeconds", duration_seconds},
                 {"acquireTime", wall_now},
                 {"renewTime", wall_now},
                 {"leaseTransitions", 0}};
    Json object = {{"apiVersion", "coordination.k8s.io/v1"},
                   {"kind", "Lease"},
                   {"metadata", {{"name", options_.name}, {"namespace", options_.ns}}},
                   {"spec", spec}};
    auto created = client_->Create(resources::kLeases, options_.ns, object);
    if (!created.ok()) return false;
    {
      std::lock_guard<std::mutex> guard(mu_);
      observed_spec_ = spec;
      observed_time_ = clock_->Now();
    }
    ObserveHolder(options_.identity);
    return true;
  }
  if (!lease.ok()) {
    log::Get("operator")
        ->warn("op=leader.get lease={}/{} err={}", options_.ns, options_.name,
               lease.status().ToString());
    return false;
  }
  Json spec = lease->value("spec", Json::object());
  std::string holder = spec.value("holderIdentity", "");
  auto now = clock_->Now();
  Clock::Duration held_for = std::chrono::seconds(spec.value("leaseDurationSeconds", 0));
  Clock::TimePoint observed_time;
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (spec != observed_spec_) {
      observed_spec_ = spec;
      observed_time_ = now;
    }
    observed_time = observed_time_;
  }
  ObserveHolder(holder);
  bool mine = holder == options_.identity;
  if (!holder.empty() && !mine && observed_time + held_for > now) return false;

  Json next = spec;
  next["holderIdentity"] = options_.identity;
  next["leaseDurationSeconds"] = duration_seconds;
  next["renewTime"] = wall_now;
  if (!mine) {
    next["acquireTime"] = wall_now;
    next["leaseTransitions"] = spec.value("leaseTransitions", 0) + (holder.empty() ? 0 : 1);
  }
  Json updated = *lease;
  updated["spec"] = next;
  auto result = client_->Update(resources::kLeases, options_.ns, updated);
  if (!result.ok()) {
    if (!IsConflict(result.status())) {
      log::Get("operator")
          ->warn("op=leader.update lease={}/{} err={}", options_.ns, options_.name,
                 result.status().ToString());
    }
    return false;
  }
  {
    std::lock_guard<std::mutex> guard(mu_);
    observed_spec_ = next;
    observed_time_ = clock_->Now();
  }
  ObserveHolder(options_.identity);
  return true;
}

void LeaderElector::Release() {
  auto lease = client_->Get(resources::kLeases, options_.ns, options_.name);
  if (!lease.ok() || (*lease)["spec"].value("holderIdentity", "") != options_.identity) return;
  Json updated = *lease;
  updated["spec"]["holderIdentity"] = "";
  updated["spec"]["leaseDurationSeconds"] = 1;
  updated["spec"]["renewTime"] = FormatMicroTime(std::chrono::system_clock::now());
  auto result = client_->Update(resources::kLeases, options_.ns, updated);
  if (!result.ok()) {
    log::Get("operator")
        ->warn("op=leader.release lease={}/{} err={}", options_.ns, options_.name,
               result.status().ToString());
  }
}

void LeaderElector::Run() {
  auto log = log::Get("operator");
  while (true) {
    while (!TryAcquireOrRenew()) {
      if (!Sleep(options_.retry_period)) return;
    }
    log->info("op=leader.acquired lease={}/{} identity={}", options_.ns, options_.name,
              options_.identity);
    {
      std::lock_guard<std::mutex> guard(mu_);
      leading_ = true;
    }
    std::stop_source stop;
    std::thread work;
    if (callbacks_.on_started_leading) {
      work =
          std::thread([this, token = stop.get_token()] { callbacks_.on_started_leading(token); });
    }
    auto last_renew = clock_->Now();
    bool stopping = false;
    while (true) {
      if (!Sleep(options_.retry_period)) {
        stopping = true;
        break;
      }
      if (TryAcquireOrRenew()) {
        last_renew = clock_->Now();
      } else if (clock_->Now() - last_renew >= options_.renew_deadline ||
                 (leader() != options_.identity && !leader().empty())) {
        log->warn("op=leader.lost lease={}/{} identity={}", options_.ns, options_.name,
                  options_.identity);
        break;
      }
    }
    {
      std::lock_guard<std::mutex> guard(mu_);
      leading_ = false;
    }
    stop.request_stop();
    if (work.joinable()) work.join();
    if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
    if (stopping) {
      if (options_.release_on_stop) Release();
      return;
    }
  }
}

}  // namespace curve::k8s
