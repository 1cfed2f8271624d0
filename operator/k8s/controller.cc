#include "operator/k8s/controller.h"

#include "common/logging.h"
#include "operator/k8s/object_meta.h"

namespace curve::k8s {

Controller::Controller(ControllerOptions options, ReconcileFunc reconcile, const Clock* clock)
    : options_(std::move(options)),
      reconcile_(std::move(reconcile)),
      queue_(clock, MakeControllerRateLimiter(options_.rate_limiter, clock)) {}

Controller::~Controller() { Stop(); }

void Controller::Watch(Informer& informer) {
  auto enqueue = [this](const Json& object) { queue_.Add(ObjectKey(object)); };
  informer.AddEventHandler(
      {enqueue, [enqueue](const Json&, const Json& now) { enqueue(now); }, enqueue});
}

void Controller::WatchOwned(Informer& informer, const std::string& owner_kind) {
  auto enqueue = [this, owner_kind](const Json& object) {
    Json owner = ControllerOf(object);
    if (!owner.is_object() || owner.value("kind", "") != owner_kind) return;
    queue_.Add(ObjectKey(Namespace(object), owner.value("name", "")));
  };
  informer.AddEventHandler(
      {enqueue, [enqueue](const Json&, const Json& now) { enqueue(now); }, enqueue});
}

void Controller::Start() {
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Work(); });
}

void Controller::Stop() {
  queue_.ShutDown();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
}

void Controller::Work() {
  while (auto key = queue_.Get()) {
    ProcessOne(*key);
    queue_.Done(*key);
  }
}

void Controller::ProcessOne(const std::string& key) {
  Result<ReconcileResult> result = reconcile_(key);
  ++reconciles_;
  if (!result.ok()) {
    log::Get("operator")
        ->warn("op=reconcile controller={} key={} retries={} err={}", options_.name, key,
               queue_.NumRequeues(key), result.status().ToString());
    queue_.AddRateLimited(key);
    return;
  }
  if (result->requeue_after > Clock::Duration::zero()) {
    queue_.Forget(key);
    queue_.AddAfter(key, result->requeue_after);
  } else if (result->requeue) {
    queue_.AddRateLimited(key);
  } else {
    queue_.Forget(key);
  }
}

}  // namespace curve::k8s
