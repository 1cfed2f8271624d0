#include "operator/k8s/informer.h"

#include "common/logging.h"
#include "operator/k8s/api_status.h"
#include "operator/k8s/object_meta.h"

namespace curve::k8s {

Informer::Informer(KubeClient* client, Resource resource, InformerOptions options,
                   const Clock* clock)
    : client_(client), resource_(std::move(resource)), options_(options), clock_(clock) {}

Informer::~Informer() { Stop(); }

void Informer::AddEventHandler(ResourceEventHandler handler) {
  handlers_.push_back(std::move(handler));
}

void Informer::Start() {
  std::lock_guard<std::mutex> guard(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!synced_) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::string Informer::last_resource_version() const {
  std::lock_guard<std::mutex> guard(mu_);
  return resource_version_;
}

bool Informer::Sleep(Clock::Duration duration) {
  std::unique_lock<std::mutex> lock(mu_);
  auto deadline = clock_->Now() + duration;
  while (!stopping_ && clock_->Now() < deadline) clock_->WaitUntil(cv_, lock, deadline);
  return !stopping_;
}

bool Informer::Relist() {
  // Page by page, each item transformed and packed before the next page is fetched: a large
  // list is never held decoded all at once.
  ListOptions list;
  list.label_selector = options_.label_selector;
  list.field_selector = options_.field_selector;
  list.limit = options_.page_size;
  std::vector<PackedObjectPtr> items;
  std::string version;
  while (true) {
    auto page = client_->List(resource_, options_.ns, list);
    if (!page.ok()) {
      log::Get("operator")
          ->warn("op=informer.list resource={} err={}", resource_.ToString(),
                 page.status().ToString());
      return false;
    }
    for (Json& item : page->items) {
      if (options_.transform) options_.transform(item);
      items.push_back(std::make_shared<const PackedObject>(item));
      item = Json();
    }
    if (version.empty()) version = page->resource_version;
    if (page->continue_token.empty()) break;
    list.continue_token = std::move(page->continue_token);
  }
  ++lists_;
  std::lock_guard<std::mutex> handlers(handler_mu_);
  ObjectCache::Diff diff = cache_.Replace(std::move(items));
  {
    std::lock_guard<std::mutex> guard(mu_);
    resource_version_ = version;
  }
  // Decoded one object at a time, for every handler.
  for (const auto& object : diff.added) {
    Json decoded = object->Unpack();
    for (const auto& h : handlers_) {
      if (h.on_add) h.on_add(decoded);
    }
  }
  for (const auto& [old_object, new_object] : diff.updated) {
    Json old_decoded = old_object->Unpack();
    Json new_decoded = new_object->Unpack();
    for (const auto& h : handlers_) {
      if (h.on_update) h.on_update(old_decoded, new_decoded);
    }
  }
  for (const auto& object : diff.deleted) {
    Json decoded = object->Unpack();
    for (const auto& h : handlers_) {
      if (h.on_delete) h.on_delete(decoded);
    }
  }
  synced_ = true;
  return true;
}

void Informer::OnEvent(WatchEvent event) {
  std::string version = ResourceVersion(event.object);
  if (options_.transform && event.type != WatchEventType::kBookmark) {
    options_.transform(event.object);
  }
  std::lock_guard<std::mutex> handlers(handler_mu_);
  switch (event.type) {
    case WatchEventType::kBookmark:
      break;
    case WatchEventType::kAdded:
    case WatchEventType::kModified: {
      PackedObjectPtr old = cache_.Upsert(std::make_shared<const PackedObject>(event.object));
      std::optional<Json> old_decoded;
      if (old) old_decoded = old->Unpack();
      for (const auto& h : handlers_) {
        if (old_decoded && h.on_update) h.on_update(*old_decoded, event.object);
        if (!old_decoded && h.on_add) h.on_add(event.object);
      }
      break;
    }
    case WatchEventType::kDeleted: {
      cache_.Remove(ObjectKey(event.object));
      for (const auto& h : handlers_) {
        if (h.on_delete) h.on_delete(event.object);
      }
      break;
    }
  }
  if (!version.empty()) {
    std::lock_guard<std::mutex> guard(mu_);
    resource_version_ = version;
  }
}

void Informer::Resync() {
  std::lock_guard<std::mutex> handlers(handler_mu_);
  cache_.ForEach({}, {}, [&](const Json& object) {
    for (const auto& h : handlers_) {
      if (h.on_update) h.on_update(object, object);
    }
  });
}

void Informer::Run() {
  auto log = log::Get("operator");
  bool need_list = true;
  auto backoff = Clock::Duration(options_.initial_backoff);
  auto grow = [&] { backoff = std::min<Clock::Duration>(backoff * 2, options_.max_backoff); };
  auto next_resync = clock_->Now() + options_.resync_period;
  while (true) {
    {
      std::lock_guard<std::mutex> guard(mu_);
      if (stopping_) return;
    }
    if (need_list) {
      if (!Relist()) {
        if (!Sleep(backoff)) return;
        grow();
        continue;
      }
      need_list = false;
    }
    WatchOptions watch;
    watch.resource_version = last_resource_version();
    watch.allow_bookmarks = true;
    watch.label_selector = options_.label_selector;
    watch.field_selector = options_.field_selector;
    watch.timeout_seconds = options_.watch_timeout_seconds;
    {
      std::lock_guard<std::mutex> guard(mu_);
      watch_end_.reset();
    }
    auto stream = client_->Watch(
        resource_, options_.ns, watch, [this](WatchEvent event) { OnEvent(std::move(event)); },
        [this](const Status& status) {
          std::lock_guard<std::mutex> guard(mu_);
          watch_end_ = status;
          cv_.notify_all();
        });
    if (!stream.ok()) {
      need_list = IsGone(stream.status());
      if (!need_list) {
        log->warn("op=informer.watch resource={} err={}", resource_.ToString(),
                  stream.status().ToString());
        if (!Sleep(backoff)) return;
        grow();
      }
      continue;
    }
    Status end;
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stopping_ && !watch_end_) {
        bool resync = options_.resync_period > Clock::Duration::zero();
        auto deadline = resync ? next_resync : clock_->Now() + std::chrono::hours(1);
        if (resync && clock_->Now() >= next_resync) {
          lock.unlock();
          Resync();
          lock.lock();
          next_resync = clock_->Now() + options_.resync_period;
          continue;
        }
        clock_->WaitUntil(cv_, lock, deadline);
      }
      if (watch_end_) end = *watch_end_;
    }
    (*stream)->Stop();
    if (end.ok()) {
      backoff = options_.initial_backoff;
      continue;  // the server closed the stream: watch again from the last version
    }
    if (end.code() == StatusCode::kCancelled) continue;  // stopping
    if (IsGone(end)) {
      log->info("op=informer.relist resource={} reason=gone", resource_.ToString());
    } else {
      log->warn("op=informer.watch resource={} err={}", resource_.ToString(), end.ToString());
      if (!Sleep(backoff)) return;
      grow();
    }
    need_list = true;
  }
}

}  // namespace curve::k8s
