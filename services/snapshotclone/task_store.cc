#include "services/snapshotclone/task_store.h"

#include "common/etcd/etcd_client.h"

namespace curve::snapshotclone {
namespace {

constexpr int kUpdateAttempts = 50;

template <typename Record, typename Parse>
Result<std::vector<Record>> ParseAll(const std::vector<std::string>& values, Parse parse) {
  std::vector<Record> out;
  out.reserve(values.size());
  for (const auto& value : values) {
    CURVE_ASSIGN_OR_RETURN(Record record, parse(value));
    out.push_back(std::move(record));
  }
  return out;
}

template <typename Record, typename Parse>
Result<std::optional<Record>> ParseOptional(const std::optional<std::string>& value, Parse parse) {
  if (!value.has_value()) return std::optional<Record>();
  CURVE_ASSIGN_OR_RETURN(Record record, parse(*value));
  return std::optional<Record>(std::move(record));
}

}  // namespace

TaskStore::TaskStore(etcd::EtcdClient& etcd, std::string prefix)
    : etcd_(etcd), prefix_(std::move(prefix)) {}

Status TaskStore::Create(const std::string& key, const std::string& value) {
  CURVE_ASSIGN_OR_RETURN(bool written, etcd_.CompareAndSwap(key, 0, value));
  if (!written) return AlreadyExistsError(key + " exists");
  return Status::Ok();
}

Result<std::optional<std::string>> TaskStore::Get(const std::string& key) {
  CURVE_ASSIGN_OR_RETURN(auto kv, etcd_.Get(key));
  if (!kv.has_value()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(kv->value));
}

Result<std::vector<std::string>> TaskStore::List(const std::string& prefix) {
  CURVE_ASSIGN_OR_RETURN(auto kvs, etcd_.ListAll(prefix));
  std::vector<std::string> values;
  values.reserve(kvs.size());
  for (auto& kv : kvs) values.push_back(std::move(kv.value));
  return values;
}

Result<std::string> TaskStore::Update(
    const std::string& key, const std::function<Result<std::string>(const std::string&)>& mutate) {
  for (int attempt = 0; attempt < kUpdateAttempts; ++attempt) {
    CURVE_ASSIGN_OR_RETURN(auto kv, etcd_.Get(key));
    if (!kv.has_value()) return NotFoundError(key + " does not exist");
    CURVE_ASSIGN_OR_RETURN(std::string value, mutate(kv->value));
    if (value == kv->value) return value;
    CURVE_ASSIGN_OR_RETURN(bool written, etcd_.CompareAndSwap(key, kv->mod_revision, value));
    if (written) return value;
  }
  return AbortedError(key + " kept changing during " + std::to_string(kUpdateAttempts) +
                      " update attempts");
}

Status TaskStore::Delete(const std::string& key) { return etcd_.Delete(key).status(); }

Status TaskStore::CreateSnapshot(const SnapshotRecord& record) {
  return Create(prefix_ + "snapshots/" + record.uuid, ToJson(record));
}

Result<std::optional<SnapshotRecord>> TaskStore::GetSnapshot(const std::string& uuid) {
  CURVE_ASSIGN_OR_RETURN(auto value, Get(prefix_ + "snapshots/" + uuid));
  return ParseOptional<SnapshotRecord>(value, ParseSnapshotRecord);
}

Result<std::vector<SnapshotRecord>> TaskStore::ListSnapshots() {
  CURVE_ASSIGN_OR_RETURN(auto values, List(prefix_ + "snapshots/"));
  return ParseAll<SnapshotRecord>(values, ParseSnapshotRecord);
}

Result<SnapshotRecord> TaskStore::UpdateSnapshot(
    const std::string& uuid, const std::function<Status(SnapshotRecord*)>& mutate) {
  CURVE_ASSIGN_OR_RETURN(
      std::string written,
      Update(prefix_ + "snapshots/" + uuid, [&](const std::string& old) -> Result<std::string> {
        CURVE_ASSIGN_OR_RETURN(SnapshotRecord record, ParseSnapshotRecord(old));
        CURVE_RETURN_IF_ERROR(mutate(&record));
        return ToJson(record);
      }));
  return ParseSnapshotRecord(written);
}

Status TaskStore::DeleteSnapshot(const std::string& uuid) {
  return Delete(prefix_ + "snapshots/" + uuid);
}

Status TaskStore::CreateClone(const CloneRecord& record) {
  return Create(prefix_ + "clones/" + record.uuid, ToJson(record));
}

Result<std::optional<CloneRecord>> TaskStore::GetClone(const std::string& uuid) {
  CURVE_ASSIGN_OR_RETURN(auto value, Get(prefix_ + "clones/" + uuid));
  return ParseOptional<CloneRecord>(value, ParseCloneRecord);
}

Result<std::vector<CloneRecord>> TaskStore::ListClones() {
  CURVE_ASSIGN_OR_RETURN(auto values, List(prefix_ + "clones/"));
  return ParseAll<CloneRecord>(values, ParseCloneRecord);
}

Result<CloneRecord> TaskStore::UpdateClone(const std::string& uuid,
                                           const std::function<Status(CloneRecord*)>& mutate) {
  CURVE_ASSIGN_OR_RETURN(
      std::string written,
      Update(prefix_ + "clones/" + uuid, [&](const std::string& old) -> Result<std::string> {
        CURVE_ASSIGN_OR_RETURN(CloneRecord record, ParseCloneRecord(old));
        CURVE_RETURN_IF_ERROR(mutate(&record));
        return ToJson(record);
      }));
  return ParseCloneRecord(written);
}

Status TaskStore::DeleteClone(const std::string& uuid) {
  return Delete(prefix_ + "clones/" + uuid);
}

}  // namespace curve::snapshotclone
