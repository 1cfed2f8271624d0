#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "operator/k8s/resource.h"

namespace curve::k8s {

using Json = nlohmann::json;

// Error mapping shared by every KubeClient (see api_status.h for the details):
//   404 -> NotFound, 409 AlreadyExists -> AlreadyExists, other 409 (resourceVersion or field
//   manager conflicts, failed delete preconditions) -> Aborted, 410 Gone -> OutOfRange
//   (IsGone()), 400/422 -> InvalidArgument with the API server's message, 401 ->
//   Unauthenticated, 403 -> PermissionDenied, 429 -> ResourceExhausted, 5xx and transport
//   failures -> Unavailable.

struct ListOptions {
  std::string label_selector;  // "app=curve,role!=mds"
  std::string field_selector;  // "metadata.name=x"
  int64_t limit = 0;           // page size; 0 = everything in one response
  std::string continue_token;  // from the previous page
  std::string resource_version;
};

// One page of a list.
struct ListPage {
  std::vector<Json> items;
  std::string resource_version;  // of the collection: watch from here
  std::string continue_token;    // empty on the last page
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchEventType type;
  // The object; for bookmarks only metadata.resourceVersion is meaningful.
  Json object;
};

struct WatchOptions {
  std::string resource_version;  // "" or "0": synthetic ADDED events for what exists first
  bool allow_bookmarks = true;
  std::string label_selector;
  std::string field_selector;
  int timeout_seconds = 0;  // server ends the stream after this; 0 = server default
};

// A running watch. Destroying it stops it.
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // Ends the stream and waits for its thread; afterwards no callback runs. Idempotent. Must not
  // be called from the stream's own callbacks.
  virtual void Stop() = 0;
};

// Called on the watch's thread, one event at a time, in order.
using WatchEventHandler = std::function<void(WatchEvent event)>;
// Called once on the watch's thread when the stream ends: OK when the server closed it (watch
// again from the last resourceVersion seen), OutOfRange (IsGone) when the resourceVersion is too
// old (list again), Cancelled after Stop(), another error on failure.
using WatchDoneHandler = std::function<void(const Status& status)>;

struct WriteOptions {
  std::string field_manager;  // recorded in managedFields; optional for create/update/patch
  bool dry_run = false;
};

struct ApplyOptions {
  std::string field_manager;  // required
  bool force = false;         // take ownership of fields other managers own
};

struct DeleteOptions {
  std::string propagation_policy;  // "", "Foreground", "Background" or "Orphan"
  std::optional<int64_t> grace_period_seconds;
  std::string precondition_uid;
  std::string precondition_resource_version;
};

// The Kubernetes API, for any resource. Objects are JSON as the API server serves them. For
// cluster-scoped resources `ns` is ignored. Implementations are thread-safe; no exception
// escapes. Blocking calls.
class KubeClient {
 public:
  virtual ~KubeClient() = default;

  // `subresource` is "" or "status".
  virtual Result<Json> Get(const Resource& resource, std::string_view ns, std::string_view name,
                           std::string_view subresource = {}) = 0;

  // One page; follow continue_token for the next.
  virtual Result<ListPage> List(const Resource& resource, std::string_view ns,
                                const ListOptions& options = {}) = 0;

  // Starts a watch; the error return covers a request the server refused outright.
  virtual Result<std::unique_ptr<WatchStream>> Watch(const Resource& resource, std::string_view ns,
                                                     const WatchOptions& options,
                                                     WatchEventHandler on_event,
                                                     WatchDoneHandler on_done) = 0;

  // Returns the object as stored.
  virtual Result<Json> Create(const Resource& resource, std::string_view ns, const Json& object,
                              const WriteOptions& options = {}) = 0;

  // PUT of the whole object (its metadata.name); a metadata.resourceVersion that is no longer
  // current fails with Aborted. With subresource "status" only the status is written.
  virtual Result<Json> Update(const Resource& resource, std::string_view ns, const Json& object,
                              std::string_view subresource = {},
                              const WriteOptions& options = {}) = 0;

  // Server-side apply: `object` holds exactly the fields this manager wants to own (with
  // apiVersion and kind). Creates the object when absent. Fields owned by another manager with
  // other values fail with Aborted unless options.force.
  virtual Result<Json> Apply(const Resource& resource, std::string_view ns, std::string_view name,
                             const Json& object, const ApplyOptions& options,
                             std::string_view subresource = {}) = 0;

  // JSON merge patch (RFC 7386).
  virtual Result<Json> MergePatch(const Resource& resource, std::string_view ns,
                                  std::string_view name, const Json& patch,
                                  std::string_view subresource = {},
                                  const WriteOptions& options = {}) = 0;

  // OK when deleted or when deletion started (finalizers pending); NotFound when absent;
  // Aborted when a precondition fails.
  virtual Status Delete(const Resource& resource, std::string_view ns, std::string_view name,
                        const DeleteOptions& options = {}) = 0;

  // Conveniences over the calls above.
  Result<Json> GetStatus(const Resource& resource, std::string_view ns, std::string_view name) {
    return Get(resource, ns, name, "status");
  }
  Result<Json> UpdateStatus(const Resource& resource, std::string_view ns, const Json& object) {
    return Update(resource, ns, object, "status");
  }
  Result<Json> ApplyStatus(const Resource& resource, std::string_view ns, std::string_view name,
                           const Json& object, const ApplyOptions& options) {
    return Apply(resource, ns, name, object, options, "status");
  }
  // Every page of a list (`options.limit` sets the page size).
  struct ListResult {
    std::vector<Json> items;
    std::string resource_version;
  };
  Result<ListResult> ListAll(const Resource& resource, std::string_view ns,
                             ListOptions options = {});
};

}  // namespace curve::k8s
