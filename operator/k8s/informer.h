#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "operator/k8s/clock.h"
#include "operator/k8s/kube_client.h"
#include "operator/k8s/object_cache.h"

namespace curve::k8s {

struct InformerOptions {
  std::string ns;  // "" = all namespaces
  std::string label_selector;
  std::string field_selector;
  // Objects per list page; each page is transformed and packed before the next is fetched.
  int64_t page_size = 500;
  // Every period, on_update(obj, obj) for every cached object; zero = never.
  Clock::Duration resync_period = Clock::Duration::zero();
  // The server ends each watch after this (the informer then watches again).
  int watch_timeout_seconds = 300;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  // Applied to every listed or watched object before it is cached and handed to handlers, e.g.
  // to drop fields nobody reads (metadata.managedFields) and keep the cache small.
  std::function<void(Json& object)> transform;
};

// Callbacks for changes of the cached objects. They run one at a time (never concurrently),
// in the order the changes were observed; they must not block for long.
struct ResourceEventHandler {
  std::function<void(const Json& object)> on_add;
  std::function<void(const Json& old_object, const Json& new_object)> on_update;
  std::function<void(const Json& last_known)> on_delete;
};

// Keeps a cache of one resource in sync with the API server: lists it (paginated), then watches
// from the list's resourceVersion with bookmarks; watches again from the last version seen when
// a stream ends, and lists again (reporting the difference as add/update/delete) when the
// version is gone (410) or the watch fails. The cache holds objects packed (PackedObject);
// handlers get them decoded one at a time. Thread-safe; owns one thread while started.
class Informer {
 public:
  Informer(KubeClient* client, Resource resource, InformerOptions options = {},
           const Clock* clock = Clock::Real());
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Add handlers before Start().
  void AddEventHandler(ResourceEventHandler handler);
  void Start();
  // Stops the watch and the thread; no handler runs after it returns. Idempotent.
  void Stop();

  // The first list completed and was delivered to the handlers.
  bool HasSynced() const { return synced_; }
  // Waits (real time) for HasSynced().
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  const ObjectCache& cache() const { return cache_; }
  const Resource& resource() const { return resource_; }
  std::string last_resource_version() const;
  // Full lists done so far (1 after the first sync).
  int64_t lists() const { return lists_; }

 private:
  void Run();
  // Lists and replaces the cache; false on failure.
  bool Relist();
  void OnEvent(WatchEvent event);
  void Resync();
  // Waits on the clock until `deadline` or Stop(); false when stopping.
  bool Sleep(Clock::Duration duration);

  KubeClient* const client_;
  const Resource resource_;
  const InformerOptions options_;
  const Clock* const clock_;
  std::vector<ResourceEventHandler> handlers_;
  ObjectCache cache_;

  std::mutex handler_mu_;  // serializes handler calls
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<Status> watch_end_;
  std::string resource_version_;
  std::atomic<bool> synced_{false};
  std::atomic<int64_t> lists_{0};
  std::thread thread_;
};

}  // namespace curve::k8s
