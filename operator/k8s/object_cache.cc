#include "operator/k8s/object_cache.h"

#include "operator/k8s/object_meta.h"

namespace curve::k8s {

ObjectCache::Diff ObjectCache::Replace(std::vector<Json> objects) {
  std::map<std::string, Json, std::less<>> fresh;
  for (auto& object : objects) {
    std::string key = ObjectKey(object);
    fresh[key] = std::move(object);
  }
  Diff diff;
  std::lock_guard<std::mutex> guard(mu_);
  for (const auto& [key, object] : fresh) {
    auto old = objects_.find(key);
    if (old == objects_.end()) {
      diff.added.push_back(object);
    } else if (ResourceVersion(old->second) != ResourceVersion(object)) {
      diff.updated.emplace_back(old->second, object);
    }
  }
  for (const auto& [key, object] : objects_) {
    if (!fresh.count(key)) diff.deleted.push_back(object);
  }
  objects_ = std::move(fresh);
  return diff;
}

std::optional<nlohmann::json> ObjectCache::Upsert(Json object) {
  std::string key = ObjectKey(object);
  std::lock_guard<std::mutex> guard(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    objects_.emplace(std::move(key), std::move(object));
    return std::nullopt;
  }
  Json old = std::move(it->second);
  it->second = std::move(object);
  return old;
}

std::optional<nlohmann::json> ObjectCache::Remove(const Json& object) {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = objects_.find(ObjectKey(object));
  if (it == objects_.end()) return std::nullopt;
  Json old = std::move(it->second);
  objects_.erase(it);
  return old;
}

std::optional<nlohmann::json> ObjectCache::Get(std::string_view key) const {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<nlohmann::json> ObjectCache::List(std::string_view ns,
                                              std::string_view label_selector) const {
  std::lock_guard<std::mutex> guard(mu_);
  std::vector<Json> out;
  for (const auto& [key, object] : objects_) {
    if ((ns.empty() || Namespace(object) == ns) &&
        (label_selector.empty() || MatchesLabelSelector(object, label_selector))) {
      out.push_back(object);
    }
  }
  return out;
}

std::vector<std::string> ObjectCache::Keys() const {
  std::lock_guard<std::mutex> guard(mu_);
  std::vector<std::string> keys;
  for (const auto& [key, object] : objects_) keys.push_back(key);
  return keys;
}

size_t ObjectCache::size() const {
  std::lock_guard<std::mutex> guard(mu_);
  return objects_.size();
}

}  // namespace curve::k8s
