#include "operator/k8s/object_meta.h"

#include <algorithm>

namespace curve::k8s {
namespace {

std::string MetaString(const Json& object, const char* field) {
  if (!object.is_object()) return "";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto value = meta->find(field);
  if (value == meta->end() || !value->is_string()) return "";
  return value->get<std::string>();
}

Json* MetaArray(Json& object, const char* field) {
  Json& meta = object["metadata"];
  if (!meta.is_object()) meta = Json::object();
  Json& array = meta[field];
  if (!array.is_array()) array = Json::array();
  return &array;
}

const Json* FindMetaArray(const Json& object, const char* field) {
  if (!object.is_object()) return nullptr;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return nullptr;
  auto array = meta->find(field);
  if (array == meta->end() || !array->is_array()) return nullptr;
  return &*array;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

}  // namespace

std::string Name(const Json& object) { return MetaString(object, "name"); }
std::string Namespace(const Json& object) { return MetaString(object, "namespace"); }
std::string Uid(const Json& object) { return MetaString(object, "uid"); }
std::string ResourceVersion(const Json& object) { return MetaString(object, "resourceVersion"); }

int64_t Generation(const Json& object) {
  if (!object.is_object() || !object.contains("metadata")) return 0;
  const Json& meta = object["metadata"];
  auto g = meta.find("generation");
  return g != meta.end() && g->is_number_integer() ? g->get<int64_t>() : 0;
}

std::string ObjectKey(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  std::string key(ns);
  key += "/";
  key += name;
  return key;
}

std::string ObjectKey(const Json& object) { return ObjectKey(Namespace(object), Name(object)); }

std::pair<std::string, std::string> SplitObjectKey(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

bool IsBeingDeleted(const Json& object) { return !MetaString(object, "deletionTimestamp").empty(); }

bool HasFinalizer(const Json& object, std::string_view finalizer) {
  const Json* list = FindMetaArray(object, "finalizers");
  if (list == nullptr) return false;
  return std::any_of(list->begin(), list->end(), [&](const Json& f) {
    return f.is_string() && f.get<std::string>() == finalizer;
  });
}

bool AddFinalizer(Json& object, std::string_view finalizer) {
  if (HasFinalizer(object, finalizer)) return false;
  MetaArray(object, "finalizers")->push_back(std::string(finalizer));
  return true;
}

bool RemoveFinalizer(Json& object, std::string_view finalizer) {
  if (!HasFinalizer(object, finalizer)) return false;
  Json* list = MetaArray(object, "finalizers");
  Json kept = Json::array();
  for (const Json& f : *list) {
    if (!(f.is_string() && f.get<std::string>() == finalizer)) kept.push_back(f);
  }
  *list = std::move(kept);
  return true;
}

Json MakeOwnerReference(const Json& owner, bool controller, bool block_owner_deletion) {
  return Json{{"apiVersion", owner.value("apiVersion", "")},
              {"kind", owner.value("kind", "")},
              {"name", Name(owner)},
              {"uid", Uid(owner)},
              {"controller", controller},
              {"blockOwnerDeletion", block_owner_deletion}};
}

bool SetOwnerReference(Json& object, const Json& reference) {
  Json* refs = MetaArray(object, "ownerReferences");
  std::string uid = reference.value("uid", "");
  for (Json& ref : *refs) {
    if (ref.is_object() && ref.value("uid", "") == uid) {
      if (ref == reference) return false;
      ref = reference;
      return true;
    }
  }
  refs->push_back(reference);
  return true;
}

bool IsOwnedBy(const Json& object, std::string_view owner_uid) {
  const Json* refs = FindMetaArray(object, "ownerReferences");
  if (refs == nullptr) return false;
  return std::any_of(refs->begin(), refs->end(), [&](const Json& ref) {
    return ref.is_object() && ref.value("uid", "") == owner_uid;
  });
}

Json ControllerOf(const Json& object) {
  const Json* refs = FindMetaArray(object, "ownerReferences");
  if (refs == nullptr) return nullptr;
  for (const Json& ref : *refs) {
    if (ref.is_object() && ref.value("controller", false)) return ref;
  }
  return nullptr;
}

bool MatchesLabelSelector(const Json& object, std::string_view selector) {
  Json labels = Json::object();
  if (object.is_object() && object.contains("metadata") && object["metadata"].is_object() &&
      object["metadata"].contains("labels") && object["metadata"]["labels"].is_object()) {
    labels = object["metadata"]["labels"];
  }
  auto label = [&](const std::string& key) -> const Json* {
    auto it = labels.find(key);
    return it != labels.end() && it->is_string() ? &*it : nullptr;
  };
  while (!selector.empty()) {
    auto comma = selector.find(',');
    std::string_view term = Trim(selector.substr(0, comma));
    selector = comma == std::string_view::npos ? std::string_view() : selector.substr(comma + 1);
    if (term.empty()) continue;
    auto op = term.find_first_of("!=");
    if (term.front() == '!') {
      if (label(std::string(Trim(term.substr(1))))) return false;
      continue;
    }
    if (op == std::string_view::npos) {
      if (!label(std::string(term))) return false;
      continue;
    }
    bool negate = term[op] == '!';
    std::string key(Trim(term.substr(0, op)));
    std::string_view rest = term.substr(op + 1);
    if (!rest.empty() && rest.front() == '=') rest.remove_prefix(1);
    std::string value(Trim(rest));
    const Json* have = label(key);
    bool equal = have != nullptr && have->get<std::string>() == value;
    if (negate ? equal : !equal) return false;
  }
  return true;
}

}  // namespace curve::k8s
