#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace curve::k8s {

// Helpers over an object's metadata. Missing fields read as empty; none of them throws.
using Json = nlohmann::json;

std::string Name(const Json& object);
std::string Namespace(const Json& object);
std::string Uid(const Json& object);
std::string ResourceVersion(const Json& object);
int64_t Generation(const Json& object);

// The cache and work-queue key: "namespace/name", or "name" for cluster-scoped objects.
std::string ObjectKey(const Json& object);
std::string ObjectKey(std::string_view ns, std::string_view name);
// Inverse of ObjectKey: {"ns", "name"} or {"", "name"}.
std::pair<std::string, std::string> SplitObjectKey(std::string_view key);

// metadata.deletionTimestamp is set: finalizers are all that keep the object.
bool IsBeingDeleted(const Json& object);

bool HasFinalizer(const Json& object, std::string_view finalizer);
// Both return whether the object changed; the caller then updates it.
bool AddFinalizer(Json& object, std::string_view finalizer);
bool RemoveFinalizer(Json& object, std::string_view finalizer);

// An ownerReference to `owner` (which must carry apiVersion, kind, metadata.name and uid). A
// controller reference marks the one owner that manages the object; blockOwnerDeletion makes
// foreground deletion of the owner wait for it.
Json MakeOwnerReference(const Json& owner, bool controller = true,
                        bool block_owner_deletion = true);
// Adds `reference` to metadata.ownerReferences, replacing one with the same uid. Returns
// whether the object changed.
bool SetOwnerReference(Json& object, const Json& reference);
bool IsOwnedBy(const Json& object, std::string_view owner_uid);
// The ownerReference with controller=true, or null.
Json ControllerOf(const Json& object);

// Whether the object's labels satisfy a label selector string as the API server takes it:
// comma-separated "k=v", "k==v", "k!=v", "k" (exists) and "!k" (absent). An empty selector
// matches everything.
bool MatchesLabelSelector(const Json& object, std::string_view selector);

}  // namespace curve::k8s
