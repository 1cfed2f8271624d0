#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace curve::k8s {

// One object as a cache keeps it: the whole object encoded as MessagePack (an nlohmann::json
// tree takes 5-10 times the object's text size; 1,000 cached Deployments took tens of MiB), with
// its key, resourceVersion and labels kept decoded for lookups and label selectors. Immutable.
class PackedObject {
 public:
  using Json = nlohmann::json;

  explicit PackedObject(const Json& object);

  // The object as it was packed.
  Json Unpack() const;
  const std::string& key() const { return key_; }
  std::string_view ns() const;
  const std::string& resource_version() const { return resource_version_; }
  bool MatchesLabelSelector(std::string_view selector) const;
  // Bytes held (the encoding, the key and the version; labels not counted).
  size_t bytes() const { return packed_.size() + key_.size() + resource_version_.size(); }

 private:
  std::string key_;
  std::string resource_version_;
  // The string labels as "key\0value\0key\0value\0..." (a JSON map of them took ~1 KiB per
  // object).
  std::string labels_;
  std::string packed_;
};

using PackedObjectPtr = std::shared_ptr<const PackedObject>;

// An informer's thread-safe store of the latest state of objects, keyed by "namespace/name"
// (ObjectKey), held as PackedObjects. Readers get decoded copies; they never see a partially
// written object.
class ObjectCache {
 public:
  using Json = nlohmann::json;

  // What a full replacement changed, for the informer's handlers (decoded one at a time).
  struct Diff {
    std::vector<PackedObjectPtr> added;
    // {old, new}; only when the resourceVersion differs.
    std::vector<std::pair<PackedObjectPtr, PackedObjectPtr>> updated;
    std::vector<PackedObjectPtr> deleted;  // the last known state
  };

  // Replaces the contents with `objects` (a fresh list) and reports the difference.
  Diff Replace(std::vector<PackedObjectPtr> objects);
  // Stores the object; returns the previous state, if any.
  PackedObjectPtr Upsert(PackedObjectPtr object);
  // Removes the object with `key`; returns the state it had, if any.
  PackedObjectPtr Remove(std::string_view key);

  std::optional<Json> Get(std::string_view key) const;
  // Every object, or those of one namespace, matching `label_selector` when given; by key.
  std::vector<Json> List(std::string_view ns = {}, std::string_view label_selector = {}) const;
  // Calls `visit` with each object List would return, decoding one at a time (so a large cache
  // is never decoded all at once). Runs without the cache's lock: `visit` may use the cache.
  void ForEach(std::string_view ns, std::string_view label_selector,
               const std::function<void(const Json& object)>& visit) const;
  std::vector<std::string> Keys() const;
  size_t size() const;
  // Bytes the packed objects hold (see PackedObject::bytes).
  size_t bytes() const;

 private:
  std::vector<PackedObjectPtr> Matching(std::string_view ns, std::string_view label_selector) const;

  mutable std::mutex mu_;
  std::map<std::string, PackedObjectPtr, std::less<>> objects_;
};

}  // namespace curve::k8s
