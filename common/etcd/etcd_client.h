#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/etcd/types.h"
#include "common/result.h"

namespace curve::etcd {

class Connection;
class Watcher;

// A client of etcd's v3 gRPC API. Every method is thread-safe and blocks for at most the retry
// policy's total timeout. Reads and idempotent writes are retried on UNAVAILABLE and
// DEADLINE_EXCEEDED, moving to the next endpoint; transactions are retried only on UNAVAILABLE,
// so a transaction is never applied twice by a retry. Errors: UNAVAILABLE when no endpoint
// answered (the message names the endpoints), NOT_FOUND for missing leases.
class EtcdClient {
 public:
  // Validates the options and creates the channels; does not wait for etcd to be reachable.
  static Result<std::unique_ptr<EtcdClient>> Create(const EtcdOptions& options);
  ~EtcdClient();

  // The key's current value, or nullopt when it does not exist.
  Result<std::optional<KeyValue>> Get(std::string_view key);
  // Stores `value` (attached to `lease` when non-zero); returns the store revision of the write.
  Result<int64_t> Put(std::string_view key, std::string_view value, int64_t lease = 0);
  // Returns the number of keys deleted (0 or 1).
  Result<int64_t> Delete(std::string_view key);
  Result<int64_t> DeletePrefix(const std::string& prefix);

  // One page of the keys under `prefix`, in key order.
  Result<ListPage> List(const std::string& prefix, const ListOptions& options = {});
  // Every key under `prefix`, read page by page at one revision (a consistent snapshot).
  Result<std::vector<KeyValue>> ListAll(const std::string& prefix, int64_t page_size = 500);

  // Runs `success` when every comparison holds, else `failure`, atomically.
  Result<TxnResult> Txn(const std::vector<Compare>& compares, const std::vector<Op>& success,
                        const std::vector<Op>& failure = {});

  // Writes `value` only when the key's mod revision is `expected_mod_revision` (0: only when the
  // key does not exist). Returns true when written, false when the key had changed.
  Result<bool> CompareAndSwap(std::string_view key, int64_t expected_mod_revision,
                              std::string_view value);

  // Discards history before `revision`; watches from older revisions then fail.
  Status Compact(int64_t revision);

  Result<Lease> GrantLease(std::chrono::seconds ttl);
  Status RevokeLease(int64_t lease_id);
  // Renews the lease once; returns its TTL. NOT_FOUND when it has expired or never existed.
  Result<std::chrono::seconds> KeepAliveOnce(int64_t lease_id);
  // Remaining time to live; NOT_FOUND when expired or unknown.
  Result<std::chrono::seconds> TimeToLive(int64_t lease_id);

  // Watches `key` (or the prefix) from `options.start_revision`, calling `on_events` with each
  // batch in revision order from the watcher's own thread. When the stream breaks (etcd
  // restarted, endpoint lost) the watcher reconnects and resumes after the last revision it
  // delivered, so no event is missed or repeated. When the start revision has been compacted the
  // watch ends and `on_error` gets OUT_OF_RANGE naming the oldest available revision. The watch
  // runs until the returned Watcher is destroyed.
  std::unique_ptr<Watcher> Watch(std::string key, WatchOptions options,
                                 std::function<void(const std::vector<WatchEvent>&)> on_events,
                                 std::function<void(const Status&)> on_error = nullptr);

  const EtcdOptions& options() const;
  std::shared_ptr<Connection> connection() const { return connection_; }

 private:
  explicit EtcdClient(std::shared_ptr<Connection> connection);

  std::shared_ptr<Connection> connection_;
};

}  // namespace curve::etcd
