#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace curve::k8s {

// An informer's thread-safe store of the latest state of objects, keyed by "namespace/name"
// (ObjectKey). Values are copies; readers never see a partially written object.
class ObjectCache {
 public:
  using Json = nlohmann::json;

  // What a full replacement changed, for the informer's handlers.
  struct Diff {
    std::vector<Json> added;
    std::vector<std::pair<Json, Json>> updated;  // {old, new}; only when resourceVersion differs
    std::vector<Json> deleted;                   // the last known state
  };

  // Replaces the contents with `objects` (a fresh list) and reports the difference.
  Diff Replace(std::vector<Json> objects);
  // Stores the object; returns the previous state, if any.
  std::optional<Json> Upsert(Json object);
  // Removes the object with `object`'s key; returns the state it had, if any.
  std::optional<Json> Remove(const Json& object);

  std::optional<Json> Get(std::string_view key) const;
  // Every object, or those of one namespace, matching `label_selector` when given; by key.
  std::vector<Json> List(std::string_view ns = {}, std::string_view label_selector = {}) const;
  std::vector<std::string> Keys() const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Json, std::less<>> objects_;
};

}  // namespace curve::k8s
