#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "operator/k8s/kube_client.h"

namespace curve::k8s {

// An in-memory API server for unit tests of controllers and reconcilers. It keeps objects per
// resource with a global resourceVersion, uid, generation (bumped when anything outside metadata
// and status changes), creationTimestamp, finalizers and deletionTimestamp semantics, optimistic
// concurrency on update, paginated lists with label selectors and metadata.name/namespace field
// selectors, and watches replaying history from a resourceVersion (410 after Compact()).
// Differences from a real server, by design: every resource has a status subresource (writes to
// the main resource keep the stored status); Apply is a JSON merge of the applied object into
// the stored one (no field ownership, so no apply conflicts and no removal of fields a manager
// stops applying); there is no schema validation and no garbage collection of dependents.
// Thread-safe.
class FakeKubeClient : public KubeClient {
 public:
  FakeKubeClient();
  ~FakeKubeClient() override;

  Result<Json> Get(const Resource& resource, std::string_view ns, std::string_view name,
                   std::string_view subresource = {}) override;
  Result<ListPage> List(const Resource& resource, std::string_view ns,
                        const ListOptions& options = {}) override;
  Result<std::unique_ptr<WatchStream>> Watch(const Resource& resource, std::string_view ns,
                                             const WatchOptions& options,
                                             WatchEventHandler on_event,
                                             WatchDoneHandler on_done) override;
  Result<Json> Create(const Resource& resource, std::string_view ns, const Json& object,
                      const WriteOptions& options = {}) override;
  Result<Json> Update(const Resource& resource, std::string_view ns, const Json& object,
                      std::string_view subresource = {}, const WriteOptions& options = {}) override;
  Result<Json> Apply(const Resource& resource, std::string_view ns, std::string_view name,
                     const Json& object, const ApplyOptions& options,
                     std::string_view subresource = {}) override;
  Result<Json> MergePatch(const Resource& resource, std::string_view ns, std::string_view name,
                          const Json& patch, std::string_view subresource = {},
                          const WriteOptions& options = {}) override;
  Status Delete(const Resource& resource, std::string_view ns, std::string_view name,
                const DeleteOptions& options = {}) override;

  // Test controls.
  // Forgets the event history: watches from an older resourceVersion end with Gone.
  void Compact();
  // Ends every open watch as the server does on its timeout (done handler gets OK).
  void CloseWatches();
  // Sends a BOOKMARK at the current resourceVersion to watches that allow bookmarks.
  void SendBookmarks();
  // The next call of `verb` ("get", "list", "watch", "create", "update", "apply", "patch",
  // "delete") fails with `status` instead of running.
  void FailNext(const std::string& verb, Status status);
  // Calls per verb so far (failed ones included).
  int64_t Calls(const std::string& verb);
  // Successful writes (create, update, apply, patch, delete) so far.
  int64_t writes() const { return writes_; }
  // The current resourceVersion.
  int64_t resource_version();

 private:
  struct Watcher;
  struct Store;
  class Stream;

  Status Begin(const std::string& verb);
  Store& StoreFor(const Resource& resource);
  // Stores `object` under `key`, emitting `type` to watchers; deletes it when finalizers are
  // gone from an object being deleted. Returns the stored object.
  Json CommitLocked(Store& store, const std::string& key, Json object, bool is_new);
  void EmitLocked(Store& store, WatchEventType type, const Json& object);
  Result<Json> WriteLocked(const Resource& resource, std::string_view ns, std::string_view name,
                           Json desired, std::string_view subresource, bool check_version);

  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Store>> stores_;
  std::map<std::string, Status> fail_next_;
  std::map<std::string, int64_t> calls_;
  int64_t version_ = 1;
  int64_t uid_counter_ = 0;
  std::atomic<int64_t> writes_{0};
};

}  // namespace curve::k8s
