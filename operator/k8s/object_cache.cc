#include "operator/k8s/object_cache.h"

#include "operator/k8s/object_meta.h"

namespace curve::k8s {

PackedObject::PackedObject(const Json& object)
    : key_(ObjectKey(object)), resource_version_(ResourceVersion(object)) {
  if (object.is_object()) {
    auto metadata = object.find("metadata");
    if (metadata != object.end() && metadata->is_object()) {
      auto labels = metadata->find("labels");
      if (labels != metadata->end() && labels->is_object()) {
        for (const auto& [key, value] : labels->items()) {
          if (!value.is_string()) continue;  // not a valid label; selectors never match it
          labels_ += key;
          labels_ += '\0';
          labels_ += value.get_ref<const std::string&>();
          labels_ += '\0';
        }
        labels_.shrink_to_fit();
      }
    }
  }
  Json::to_msgpack(object, nlohmann::detail::output_adapter<char>(packed_));
  packed_.shrink_to_fit();
}

nlohmann::json PackedObject::Unpack() const { return Json::from_msgpack(packed_); }

std::string_view PackedObject::ns() const {
  auto slash = key_.find('/');
  return slash == std::string::npos ? std::string_view() : std::string_view(key_).substr(0, slash);
}

bool PackedObject::MatchesLabelSelector(std::string_view selector) const {
  if (selector.empty()) return true;
  Json labels = Json::object();
  for (size_t at = 0; at < labels_.size();) {
    size_t key_end = labels_.find('\0', at);
    size_t value_end = labels_.find('\0', key_end + 1);
    labels[labels_.substr(at, key_end - at)] = labels_.substr(key_end + 1, value_end - key_end - 1);
    at = value_end + 1;
  }
  return k8s::MatchesLabelSelector(Json{{"metadata", {{"labels", std::move(labels)}}}}, selector);
}

ObjectCache::Diff ObjectCache::Replace(std::vector<PackedObjectPtr> objects) {
  std::map<std::string, PackedObjectPtr, std::less<>> fresh;
  for (auto& object : objects) {
    std::string key = object->key();
    fresh[std::move(key)] = std::move(object);
  }
  Diff diff;
  std::lock_guard<std::mutex> guard(mu_);
  for (const auto& [key, object] : fresh) {
    auto old = objects_.find(key);
    if (old == objects_.end()) {
      diff.added.push_back(object);
    } else if (old->second->resource_version() != object->resource_version()) {
      diff.updated.emplace_back(old->second, object);
    }
  }
  for (const auto& [key, object] : objects_) {
    if (!fresh.count(key)) diff.deleted.push_back(object);
  }
  objects_ = std::move(fresh);
  return diff;
}

PackedObjectPtr ObjectCache::Upsert(PackedObjectPtr object) {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = objects_.find(object->key());
  if (it == objects_.end()) {
    std::string key = object->key();
    objects_.emplace(std::move(key), std::move(object));
    return nullptr;
  }
  PackedObjectPtr old = std::move(it->second);
  it->second = std::move(object);
  return old;
}

PackedObjectPtr ObjectCache::Remove(std::string_view key) {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  PackedObjectPtr old = std::move(it->second);
  objects_.erase(it);
  return old;
}

std::optional<nlohmann::json> ObjectCache::Get(std::string_view key) const {
  PackedObjectPtr found;
  {
    std::lock_guard<std::mutex> guard(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return std::nullopt;
    found = it->second;
  }
  return found->Unpack();
}

std::vector<PackedObjectPtr> ObjectCache::Matching(std::string_view ns,
                                                   std::string_view label_selector) const {
  std::lock_guard<std::mutex> guard(mu_);
  std::vector<PackedObjectPtr> out;
  for (const auto& [key, object] : objects_) {
    if ((ns.empty() || object->ns() == ns) && object->MatchesLabelSelector(label_selector)) {
      out.push_back(object);
    }
  }
  return out;
}

std::vector<nlohmann::json> ObjectCache::List(std::string_view ns,
                                              std::string_view label_selector) const {
  std::vector<Json> out;
  for (const auto& object : Matching(ns, label_selector)) out.push_back(object->Unpack());
  return out;
}

void ObjectCache::ForEach(std::string_view ns, std::string_view label_selector,
                          const std::function<void(const Json& object)>& visit) const {
  for (const auto& object : Matching(ns, label_selector)) visit(object->Unpack());
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

size_t ObjectCache::bytes() const {
  std::lock_guard<std::mutex> guard(mu_);
  size_t total = 0;
  for (const auto& [key, object] : objects_) total += object->bytes();
  return total;
}

}  // namespace curve::k8s
