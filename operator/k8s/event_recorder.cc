#include "operator/k8s/event_recorder.h"

#include <chrono>
#include <cstdio>

#include "operator/k8s/kube_time.h"
#include "operator/k8s/object_meta.h"

namespace curve::k8s {

EventRecorder::EventRecorder(KubeClient* client, std::string component)
    : client_(client), component_(std::move(component)) {}

Status EventRecorder::Record(const Json& object, std::string_view type, std::string_view reason,
                             std::string_view message) {
  auto now = std::chrono::system_clock::now();
  std::string ns = Namespace(object).empty() ? "default" : Namespace(object);
  std::string key = Uid(object) + "\n" + std::string(type) + "\n" + std::string(reason) + "\n" +
                    std::string(message);
  std::string timestamp = FormatTime(now);
  std::unique_lock<std::mutex> lock(mu_);
  auto it = recorded_.find(key);
  if (it != recorded_.end()) {
    Recorded recorded = it->second;
    lock.unlock();
    Json patch = {{"count", recorded.count + 1}, {"lastTimestamp", timestamp}};
    auto result = client_->MergePatch(resources::kEvents, recorded.ns, recorded.name, patch);
    lock.lock();
    if (result.ok()) {
      recorded_[key].count = recorded.count + 1;
      return Status::Ok();
    }
    recorded_.erase(key);  // expired or deleted: create a fresh one
  }
  char suffix[32];
  std::snprintf(
      suffix, sizeof(suffix), ".%llx%llx",
      static_cast<unsigned long long>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count()),
      static_cast<unsigned long long>(++sequence_));
  std::string name = Name(object) + suffix;
  lock.unlock();
  Json event = {{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"involvedObject",
                 {{"apiVersion", object.value("apiVersion", "")},
                  {"kind", object.value("kind", "")},
                  {"name", Name(object)},
                  {"namespace", Namespace(object)},
                  {"uid", Uid(object)},
                  {"resourceVersion", ResourceVersion(object)}}},
                {"type", std::string(type)},
                {"reason", std::string(reason)},
                {"message", std::string(message)},
                {"source", {{"component", component_}}},
                {"reportingComponent", component_},
                {"firstTimestamp", timestamp},
                {"lastTimestamp", timestamp},
                {"count", 1}};
  auto created = client_->Create(resources::kEvents, ns, event);
  if (!created.ok()) return created.status().WithContext("record event " + std::string(reason));
  lock.lock();
  if (recorded_.size() >= 4096) recorded_.clear();  // bounded: old events only lose aggregation
  recorded_[key] = {ns, name, 1};
  return Status::Ok();
}

}  // namespace curve::k8s
