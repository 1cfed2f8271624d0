#pragma once

// TaskStore: snapshot records and clone task records in etcd, as JSON under
// <prefix>snapshots/<uuid> and <prefix>clones/<uuid>. Every replica of the service reads and
// writes them (HTTP requests); the leader's workers update them as they progress. Updates are
// read-modify-write transactions on the key's mod revision, retried on a conflict, so a worker's
// progress never overwrites a cancel written meanwhile. Thread-safe.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/snapshotclone/records.h"

namespace curve::etcd {
class EtcdClient;
}  // namespace curve::etcd

namespace curve::snapshotclone {

class TaskStore {
 public:
  // `prefix` ends with '/', e.g. "/curve/snapshotclone/".
  TaskStore(etcd::EtcdClient& etcd, std::string prefix);

  // ALREADY_EXISTS when a record with the UUID exists.
  Status CreateSnapshot(const SnapshotRecord& record);
  Result<std::optional<SnapshotRecord>> GetSnapshot(const std::string& uuid);
  // Every snapshot record, in UUID order.
  Result<std::vector<SnapshotRecord>> ListSnapshots();
  // Applies `mutate` to the current record and writes the result, retrying on a concurrent
  // change. A non-OK status from `mutate` aborts (nothing written) and is returned. NOT_FOUND
  // when the record does not exist. Returns the record as written.
  Result<SnapshotRecord> UpdateSnapshot(const std::string& uuid,
                                        const std::function<Status(SnapshotRecord*)>& mutate);
  // OK when absent.
  Status DeleteSnapshot(const std::string& uuid);

  Status CreateClone(const CloneRecord& record);
  Result<std::optional<CloneRecord>> GetClone(const std::string& uuid);
  Result<std::vector<CloneRecord>> ListClones();
  Result<CloneRecord> UpdateClone(const std::string& uuid,
                                  const std::function<Status(CloneRecord*)>& mutate);
  Status DeleteClone(const std::string& uuid);

  const std::string& prefix() const { return prefix_; }

 private:
  Status Create(const std::string& key, const std::string& value);
  Result<std::optional<std::string>> Get(const std::string& key);
  Result<std::vector<std::string>> List(const std::string& prefix);
  // `mutate` rewrites the value; returns the value written.
  Result<std::string> Update(const std::string& key,
                             const std::function<Result<std::string>(const std::string&)>& mutate);
  Status Delete(const std::string& key);

  etcd::EtcdClient& etcd_;
  const std::string prefix_;
};

}  // namespace curve::snapshotclone
