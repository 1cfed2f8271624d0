#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "operator/k8s/kube_client.h"

namespace curve::k8s {

// Records core/v1 Events about objects, as `kubectl describe` shows them. A repeat of the same
// (object, type, reason, message) bumps the count of the existing Event instead of creating
// another. Thread-safe.
class EventRecorder {
 public:
  // `component` is the source shown with each event ("curve-operator").
  EventRecorder(KubeClient* client, std::string component);

  // `object` needs apiVersion, kind and metadata (name, namespace, uid); `type` is "Normal" or
  // "Warning"; `reason` a short CamelCase word. Failures are returned (callers usually only
  // log them: an Event is never worth failing a reconcile).
  Status Record(const Json& object, std::string_view type, std::string_view reason,
                std::string_view message);

 private:
  struct Recorded {
    std::string ns;
    std::string name;
    int64_t count = 0;
  };

  KubeClient* const client_;
  const std::string component_;
  std::mutex mu_;
  std::map<std::string, Recorded> recorded_;  // by uid/type/reason/message
  uint64_t sequence_ = 0;
};

}  // namespace curve::k8s
