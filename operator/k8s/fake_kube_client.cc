#include "operator/k8s/fake_kube_client.h"

#include <condition_variable>
#include <deque>
#include <thread>

#include "operator/k8s/kube_time.h"
#include "operator/k8s/object_meta.h"

namespace curve::k8s {

struct FakeKubeClient::Watcher {
  std::string ns;
  std::string label_selector;
  bool allow_bookmarks = false;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<WatchEvent> events;
  std::optional<Status> end;

  void Push(WatchEvent event) {
    std::lock_guard<std::mutex> guard(mu);
    if (end) return;
    events.push_back(std::move(event));
    cv.notify_all();
  }
  void Finish(Status status) {
    std::lock_guard<std::mutex> guard(mu);
    if (!end) end = std::move(status);
    cv.notify_all();
  }
  bool finished() {
    std::lock_guard<std::mutex> guard(mu);
    return end.has_value();
  }
};

struct FakeKubeClient::Store {
  struct Event {
    int64_t version;
    WatchEventType type;
    Json object;
  };
  std::map<std::string, Json> objects;  // by ObjectKey
  std::vector<Event> history;
  int64_t compacted = 0;  // watches from a version below this are gone
  std::vector<std::shared_ptr<Watcher>> watchers;
};

// Delivers a watcher's queued events on its own thread.
class FakeKubeClient::Stream : public WatchStream {
 public:
  Stream(std::shared_ptr<Watcher> watcher, WatchEventHandler on_event, WatchDoneHandler on_done)
      : watcher_(std::move(watcher)) {
    thread_ =
        std::thread([w = watcher_, on_event = std::move(on_event), on_done = std::move(on_done)] {
          std::unique_lock<std::mutex> lock(w->mu);
          while (true) {
            w->cv.wait(lock, [&] { return !w->events.empty() || w->end.has_value(); });
            if (w->end && (w->events.empty() || w->end->code() == StatusCode::kCancelled)) break;
            WatchEvent event = std::move(w->events.front());
            w->events.pop_front();
            lock.unlock();
            on_event(std::move(event));
            lock.lock();
          }
          Status status = *w->end;
          lock.unlock();
          on_done(status);
        });
  }
  ~Stream() override { Stop(); }
  void Stop() override {
    watcher_->Finish(CancelledError("watch stopped"));
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::shared_ptr<Watcher> watcher_;
  std::thread thread_;
};

namespace {

bool InNamespace(const Json& object, const std::string& ns) {
  return ns.empty() || Namespace(object) == ns;
}

bool MatchesFieldSelector(const Json& object, std::string_view selector) {
  while (!selector.empty()) {
    auto comma = selector.find(',');
    std::string_view term = selector.substr(0, comma);
    selector = comma == std::string_view::npos ? std::string_view() : selector.substr(comma + 1);
    auto eq = term.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view field = term.substr(0, eq);
    std::string_view value = term.substr(eq + 1);
    if (!value.empty() && value.front() == '=') value.remove_prefix(1);
    bool negate = field.ends_with('!');  // "f!=v"
    if (negate) field.remove_suffix(1);
    if (field == "metadata.name" && (Name(object) == value) == negate) return false;
    if (field == "metadata.namespace" && (Namespace(object) == value) == negate) return false;
  }
  return true;
}

// Everything but metadata and status: what a generation counts.
Json Spec(const Json& object) {
  Json copy = object;
  copy.erase("metadata");
  copy.erase("status");
  return copy;
}

}  // namespace

FakeKubeClient::FakeKubeClient() = default;

FakeKubeClient::~FakeKubeClient() { CloseWatches(); }

Status FakeKubeClient::Begin(const std::string& verb) {
  ++calls_[verb];
  auto it = fail_next_.find(verb);
  if (it == fail_next_.end()) return Status::Ok();
  Status status = it->second;
  fail_next_.erase(it);
  return status;
}

FakeKubeClient::Store& FakeKubeClient::StoreFor(const Resource& resource) {
  auto& store = stores_[resource.ToString()];
  if (!store) store = std::make_unique<Store>();
  return *store;
}

void FakeKubeClient::EmitLocked(Store& store, WatchEventType type, const Json& object) {
  store.history.push_back({version_, type, object});
  std::vector<std::shared_ptr<Watcher>> alive;
  for (auto& watcher : store.watchers) {
    if (watcher->finished()) continue;
    if (InNamespace(object, watcher->ns) && MatchesLabelSelector(object, watcher->label_selector)) {
      watcher->Push({type, object});
    }
    alive.push_back(watcher);
  }
  store.watchers = std::move(alive);
}

Json FakeKubeClient::CommitLocked(Store& store, const std::string& key, Json object, bool is_new) {
  ++version_;
  ++writes_;
  object["metadata"]["resourceVersion"] = std::to_string(version_);
  if (IsBeingDeleted(object) && !object["metadata"].contains("finalizers")) {
    object["metadata"]["finalizers"] = Json::array();
  }
  if (IsBeingDeleted(object) && object["metadata"]["finalizers"].empty()) {
    store.objects.erase(key);
    EmitLocked(store, WatchEventType::kDeleted, object);
    return object;
  }
  store.objects[key] = object;
  EmitLocked(store, is_new ? WatchEventType::kAdded : WatchEventType::kModified, object);
  return object;
}

Result<Json> FakeKubeClient::Get(const Resource& resource, std::string_view ns,
                                 std::string_view name, std::string_view) {
  std::lock_guard<std::mutex> guard(mu_);
  CURVE_RETURN_IF_ERROR(Begin("get"));
  Store& store = StoreFor(resource);
  auto it = store.objects.find(ObjectKey(resource.namespaced ? ns : "", name));
  if (it == store.objects.end()) {
    return NotFoundError(resource.ToString() + " \"" + std::string(name) + "\" not found");
  }
  return it->second;
}

Result<ListPage> FakeKubeClient::List(const Resource& resource, std::string_view ns,
                                      const ListOptions& options) {
  std::lock_guard<std::mutex> guard(mu_);
  CURVE_RETURN_IF_ERROR(Begin("list"));
  Store& store = StoreFor(resource);
  ListPage page;
  page.resource_version = std::to_string(version_);
  std::string ns_filter = resource.namespaced ? std::string(ns) : "";
  auto it = options.continue_token.empty() ? store.objects.begin()
                                           : store.objects.upper_bound(options.continue_token);
  for (; it != store.objects.end(); ++it) {
    const Json& object = it->second;
    if (!InNamespace(object, ns_filter) || !MatchesLabelSelector(object, options.label_selector) ||
        !MatchesFieldSelector(object, options.field_selector)) {
      continue;
    }
    if (options.limit > 0 && static_cast<int64_t>(page.items.size()) == options.limit) {
      page.continue_token = std::prev(it)->first;
      break;
    }
    page.items.push_back(object);
  }
  return page;
}

Result<std::unique_ptr<WatchStream>> FakeKubeClient::Watch(const Resource& resource,
                                                           std::string_view ns,
                                                           const WatchOptions& options,
                                                           WatchEventHandler on_event,
                                                           WatchDoneHandler on_done) {
  std::lock_guard<std::mutex> guard(mu_);
  CURVE_RETURN_IF_ERROR(Begin("watch"));
  Store& store = StoreFor(resource);
  auto watcher = std::make_shared<Watcher>();
  watcher->ns = resource.namespaced ? std::string(ns) : "";
  watcher->label_selector = options.label_selector;
  watcher->allow_bookmarks = options.allow_bookmarks;
  const std::string& rv = options.resource_version;
  if (rv.empty() || rv == "0") {
    for (const auto& [key, object] : store.objects) {
      if (InNamespace(object, watcher->ns) &&
          MatchesLabelSelector(object, watcher->label_selector)) {
        watcher->Push({WatchEventType::kAdded, object});
      }
    }
  } else {
    int64_t from = std::stoll(rv);
    if (from < store.compacted) {
      watcher->Finish(Status(StatusCode::kOutOfRange, "watch " + resource.ToString() +
                                                          ": HTTP 410 Expired: too old "
                                                          "resource version: " +
                                                          rv + " (" +
                                                          std::to_string(store.compacted) + ")"));
    } else {
      for (const auto& event : store.history) {
        if (event.version > from && InNamespace(event.object, watcher->ns) &&
            MatchesLabelSelector(event.object, watcher->label_selector)) {
          watcher->Push({event.type, event.object});
        }
      }
    }
  }
  store.watchers.push_back(watcher);
  return std::unique_ptr<WatchStream>(
      std::make_unique<Stream>(watcher, std::move(on_event), std::move(on_done)));
}

Result<Json> FakeKubeClient::Create(const Resource& resource, std::string_view ns,
                                    const Json& object, const WriteOptions&) {
  std::lock_guard<std::mutex> guard(mu_);
  CURVE_RETURN_IF_ERROR(Begin("create"));
  std::string name = Name(object);
  if (name.empty()) return InvalidArgumentError("create " + resource.ToString() + ": no name");
  std::string obj_ns = resource.namespaced ? std::string(ns) : "";
  Store& store = StoreFor(resource);
  std::string key = ObjectKey(obj_ns, name);
  if (store.objects.count(key)) {
    return AlreadyExistsError(resource.ToString() + " \"" + name + "\" already exists");
  }
  Json stored = object;
  Json& meta = stored["metadata"];
  if (!obj_ns.empty()) meta["namespace"] = obj_ns;
  meta["uid"] = "fake-uid-" + std::to_string(++uid_counter_);
  meta["generation"] = 1;
  meta["creationTimestamp"] = FormatTime(std::chrono::system_clock::now());
  meta.erase("deletionTimestamp");
  return CommitLocked(store, key, std::move(stored), true);
}

Result<Json> FakeKubeClient::WriteLocked(const Resource& resource, std::string_view ns,
                                         std::string_view name, Json desired,
                                         std::string_view subresource, bool check_version) {
  Store& store = StoreFor(resource);
  std::string obj_ns = resource.namespaced ? std::string(ns) : "";
  std::string key = ObjectKey(obj_ns, name);
  auto it = store.objects.find(key);
  if (it == store.objects.end()) {
    return NotFoundError(resource.ToString() + " \"" + std::string(name) + "\" not found");
  }
  const Json& current = it->second;
  if (check_version && !ResourceVersion(desired).empty() &&
      ResourceVersion(desired) != ResourceVersion(current)) {
    return AbortedError("Operation cannot be fulfilled on " + resource.ToString() + " \"" +
                        std::string(name) +
                        "\": the object has been modified; please apply your changes to the "
                        "latest version and try again");
  }
  Json next;
  if (subresource == "status") {
    next = current;
    if (desired.contains("status")) next["status"] = desired["status"];
  } else {
    next = desired;
    if (current.contains("status")) {
      next["status"] = current["status"];
    } else {
      next.erase("status");
    }
    Json& meta = next["metadata"];
    for (const char* kept : {"uid", "creationTimestamp", "generation", "deletionTimestamp"}) {
      if (current["metadata"].contains(kept)) {
        meta[kept] = current["metadata"][kept];
      } else {
        meta.erase(kept);
      }
    }
    if (!obj_ns.empty()) meta["namespace"] = obj_ns;
    meta["name"] = std::string(name);
    if (Spec(next) != Spec(current)) meta["generation"] = Generation(current) + 1;
  }
  if (next == current) return current;  // a no-op write changes nothing, as on a real server
  return CommitLocked(store, key, std::move(next), false);
}

Result<Json> FakeKubeClient::Update(const Resource& resource, std::string_view ns,
                                    const Json& object, std::string_view subresource,
                                    const WriteOptions&) {
  std::lock_guard<std::mutex> guard(mu_);
  CURVE_RETURN_IF_ERROR(Begin("update"));
  return WriteLocked(resource, ns, Name(object), object, subresource, true);
}

Result<Json> FakeKubeClient::Apply(const Resource& resource, std::string_view ns,
                                   std::string_view name, const Json& object,
                                   const ApplyOptions& options, std::string_view subresource) {
  {
    std::lock_guard<std::mutex> guard(mu_);
    CURVE_RETURN_IF_ERROR(Begin("apply"));
    if (options.field_manager.empty()) {
      return InvalidArgumentError("apply " + resource.ToString() + ": fieldManager is required");
    }
    Store& store = StoreFor(resource);
    auto it = store.objects.find(ObjectKey(resource.namespaced ? ns : "", name));
    if (it != store.objects.end()) {
      Json merged = it->second;
      Json patch = object;
      if (patch.contains("metadata")) patch["metadata"].erase("resourceVersion");
      merged.merge_patch(patch);
      return WriteLocked(resource, ns, name, std::move(merged), subresource, false);
    }
  }
  Json created = object;
  created["metadata"]["name"] = std::string(name);
  auto result = Create(resource, ns, created);
  std::lock_guard<std::mutex> guard(mu_);
  --calls_["create"];
  return result;
}

Result<Json> FakeKubeClient::MergePatch(const Resource& resource, std::string_view ns,
                                        std::string_view name, const Json& patch,
                                        std::string_view subresource, const WriteOptions&) {
  std::lock_guard<std::mutex> guard(mu_);
  CURVE_RETURN_IF_ERROR(Begin("patch"));
  Store& store = StoreFor(resource);
  auto it = store.objects.find(ObjectKey(resource.namespaced ? ns : "", name));
  if (it == store.objects.end()) {
    return NotFoundError(resource.ToString() + " \"" + std::string(name) + "\" not found");
  }
  Json merged = it->second;
  merged.merge_patch(patch);
  return WriteLocked(resource, ns, name, std::move(merged), subresource, true);
}

Status FakeKubeClient::Delete(const Resource& resource, std::string_view ns, std::string_view name,
                              const DeleteOptions& options) {
  std::lock_guard<std::mutex> guard(mu_);
  CURVE_RETURN_IF_ERROR(Begin("delete"));
  Store& store = StoreFor(resource);
  std::string key = ObjectKey(resource.namespaced ? ns : "", name);
  auto it = store.objects.find(key);
  if (it == store.objects.end()) {
    return NotFoundError(resource.ToString() + " \"" + std::string(name) + "\" not found");
  }
  Json object = it->second;
  if ((!options.precondition_uid.empty() && options.precondition_uid != Uid(object)) ||
      (!options.precondition_resource_version.empty() &&
       options.precondition_resource_version != ResourceVersion(object))) {
    return AbortedError("delete " + resource.ToString() + " \"" + std::string(name) +
                        "\": precondition failed");
  }
  if (!IsBeingDeleted(object)) {
    object["metadata"]["deletionTimestamp"] = FormatTime(std::chrono::system_clock::now());
  } else if (!object["metadata"].value("finalizers", Json::array()).empty()) {
    return Status::Ok();  // already waiting for its finalizers
  }
  CommitLocked(store, key, std::move(object), false);
  return Status::Ok();
}

void FakeKubeClient::Compact() {
  std::lock_guard<std::mutex> guard(mu_);
  for (auto& [name, store] : stores_) {
    store->history.clear();
    store->compacted = version_;
  }
}

void FakeKubeClient::CloseWatches() {
  std::lock_guard<std::mutex> guard(mu_);
  for (auto& [name, store] : stores_) {
    for (auto& watcher : store->watchers) watcher->Finish(Status::Ok());
    store->watchers.clear();
  }
}

void FakeKubeClient::SendBookmarks() {
  std::lock_guard<std::mutex> guard(mu_);
  Json bookmark = {{"metadata", {{"resourceVersion", std::to_string(version_)}}}};
  for (auto& [name, store] : stores_) {
    for (auto& watcher : store->watchers) {
      if (watcher->allow_bookmarks) watcher->Push({WatchEventType::kBookmark, bookmark});
    }
  }
}

void FakeKubeClient::FailNext(const std::string& verb, Status status) {
  std::lock_guard<std::mutex> guard(mu_);
  fail_next_[verb] = std::move(status);
}

int64_t FakeKubeClient::Calls(const std::string& verb) {
  std::lock_guard<std::mutex> guard(mu_);
  return calls_[verb];
}

int64_t FakeKubeClient::resource_version() {
  std::lock_guard<std::mutex> guard(mu_);
  return version_;
}

}  // namespace curve::k8s
