#include <cinttypes>
#include <cstdio>

#include "common/etcd/etcd_client.h"
#include "services/mds/namespace/namespace_store.h"

namespace curve::mds {
namespace {

using etcd::Compare;
using etcd::Op;

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, v);
  return buf;
}

template <typename Message>
Result<Message> Parse(const etcd::KeyValue& kv) {
  Message message;
  if (!message.ParseFromString(kv.value)) {
    return DataLossError("etcd key " + kv.key + " holds an unreadable record");
  }
  return message;
}

}  // namespace

EtcdNamespaceStore::EtcdNamespaceStore(etcd::EtcdClient& client, std::string prefix)
    : client_(client), prefix_(std::move(prefix) + "ns/") {}

std::string EtcdNamespaceStore::FileKey(uint64_t parent_id, std::string_view name) const {
  return prefix_ + "file/" + Hex(parent_id) + "/" + std::string(name);
}

std::string EtcdNamespaceStore::SegmentPrefix(uint64_t file_id) const {
  return prefix_ + "seg/" + Hex(file_id) + "/";
}

Result<std::optional<FileRecord>> EtcdNamespaceStore::GetFile(uint64_t parent_id,
                                                              std::string_view name) {
  CURVE_ASSIGN_OR_RETURN(auto kv, client_.Get(FileKey(parent_id, name)));
  if (!kv.has_value()) return std::optional<FileRecord>();
  CURVE_ASSIGN_OR_RETURN(auto info, Parse<FileInfo>(*kv));
  return std::optional<FileRecord>(FileRecord{std::move(info), kv->mod_revision});
}

Result<std::vector<FileInfo>> EtcdNamespaceStore::ListDir(uint64_t parent_id) {
  CURVE_ASSIGN_OR_RETURN(auto kvs, client_.ListAll(prefix_ + "file/" + Hex(parent_id) + "/"));
  std::vector<FileInfo> out;
  for (const auto& kv : kvs) {
    CURVE_ASSIGN_OR_RETURN(auto info, Parse<FileInfo>(kv));
    out.push_back(std::move(info));
  }
  return out;
}

Result<uint64_t> EtcdNamespaceStore::Reserve(const std::string& counter, uint64_t count) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    CURVE_ASSIGN_OR_RETURN(auto kv, client_.Get(counter));
    uint64_t current = kv.has_value() ? std::stoull(kv->value) : 0;
    CURVE_ASSIGN_OR_RETURN(bool swapped, client_.CompareAndSwap(counter, kv ? kv->mod_revision : 0,
                                                                std::to_string(current + count)));
    if (swapped) return current + 1;
  }
  return AbortedError("counter " + counter + " kept changing; retry");
}

Result<uint64_t> EtcdNamespaceStore::NextFileId() {
  std::lock_guard lock(ids_mu_);
  if (next_file_id_ == 0 || next_file_id_ >= file_id_end_) {
    CURVE_ASSIGN_OR_RETURN(next_file_id_, Reserve(prefix_ + "ids/file", kFileIdBlock));
    file_id_end_ = next_file_id_ + kFileIdBlock;
  }
  return next_file_id_++;
}

Result<FileInfo> EtcdNamespaceStore::CreateFile(FileInfo info) {
  std::string key = FileKey(info.parent_id(), info.name());
  CURVE_ASSIGN_OR_RETURN(uint64_t id, NextFileId());
  info.set_id(id);
  CURVE_ASSIGN_OR_RETURN(
      auto txn, client_.Txn({Compare::Missing(key)}, {Op::Put(key, info.SerializeAsString())}));
  if (!txn.succeeded) return AlreadyExistsError(info.name() + " already exists");
  return info;
}

Status EtcdNamespaceStore::UpdateFile(const FileInfo& info, int64_t revision) {
  std::string key = FileKey(info.parent_id(), info.name());
  CURVE_ASSIGN_OR_RETURN(auto txn,
                         client_.Txn({Compare::ModRevision(key, Compare::Result::kEqual, revision)},
                                     {Op::Put(key, info.SerializeAsString())}));
  if (!txn.succeeded) return AbortedError(info.name() + " changed concurrently");
  return Status::Ok();
}

Status EtcdNamespaceStore::RenameFile(const FileInfo& from, int64_t revision, const FileInfo& to) {
  std::string old_key = FileKey(from.parent_id(), from.name());
  std::string new_key = FileKey(to.parent_id(), to.name());
  CURVE_ASSIGN_OR_RETURN(
      auto txn, client_.Txn({Compare::ModRevision(old_key, Compare::Result::kEqual, revision),
                             Compare::Missing(new_key)},
                            {Op::Delete(old_key), Op::Put(new_key, to.SerializeAsString())},
                            {Op::Get(new_key)}));
  if (txn.succeeded) return Status::Ok();
  if (!txn.results.empty() && !txn.results[0].kvs.empty()) {
    return AlreadyExistsError(to.name() + " already exists");
  }
  return AbortedError(from.name() + " changed concurrently");
}

Status EtcdNamespaceStore::RemoveFile(const FileInfo& file, int64_t revision,
                                      const FileInfo* recycled) {
  std::string key = FileKey(file.parent_id(), file.name());
  std::vector<Op> ops{Op::Delete(key)};
  if (recycled != nullptr) {
    ops.push_back(Op::Put(prefix_ + "recycle/" + Hex(file.id()), recycled->SerializeAsString()));
  } else if (file.type() != FILE_TYPE_DIRECTORY) {
    ops.push_back(Op::Put(prefix_ + "garbage/" + Hex(file.id()), ""));
  }
  CURVE_ASSIGN_OR_RETURN(
      auto txn, client_.Txn({Compare::ModRevision(key, Compare::Result::kEqual, revision)}, ops));
  if (!txn.succeeded) return AbortedError(file.name() + " changed concurrently");
  return Status::Ok();
}

Result<std::vector<FileInfo>> EtcdNamespaceStore::ListRecycled() {
  CURVE_ASSIGN_OR_RETURN(auto kvs, client_.ListAll(prefix_ + "recycle/"));
  std::vector<FileInfo> out;
  for (const auto& kv : kvs) {
    CURVE_ASSIGN_OR_RETURN(auto info, Parse<FileInfo>(kv));
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::optional<FileInfo>> EtcdNamespaceStore::GetRecycled(uint64_t id) {
  CURVE_ASSIGN_OR_RETURN(auto kv, client_.Get(prefix_ + "recycle/" + Hex(id)));
  if (!kv.has_value()) return std::optional<FileInfo>();
  CURVE_ASSIGN_OR_RETURN(auto info, Parse<FileInfo>(*kv));
  return std::optional<FileInfo>(std::move(info));
}

Status EtcdNamespaceStore::PurgeRecycled(uint64_t id) {
  std::string key = prefix_ + "recycle/" + Hex(id);
  CURVE_ASSIGN_OR_RETURN(
      auto txn, client_.Txn({Compare::Version(key, Compare::Result::kGreater, 0)},
                            {Op::Delete(key), Op::Put(prefix_ + "garbage/" + Hex(id), "")}));
  if (!txn.succeeded) {
    return NotFoundError("file " + std::to_string(id) + " is not in the recycle bin");
  }
  return Status::Ok();
}

Status EtcdNamespaceStore::RestoreRecycled(const FileInfo& to) {
  std::string recycled = prefix_ + "recycle/" + Hex(to.id());
  std::string key = FileKey(to.parent_id(), to.name());
  CURVE_ASSIGN_OR_RETURN(
      auto txn,
      client_.Txn({Compare::Version(recycled, Compare::Result::kGreater, 0), Compare::Missing(key)},
                  {Op::Delete(recycled), Op::Put(key, to.SerializeAsString())}, {Op::Get(key)}));
  if (txn.succeeded) return Status::Ok();
  if (!txn.results.empty() && !txn.results[0].kvs.empty()) {
    return AlreadyExistsError(to.name() + " already exists");
  }
  return NotFoundError("file_id " + std::to_string(to.id()) + " is not in the recycle bin");
}

Result<std::optional<SegmentInfo>> EtcdNamespaceStore::GetSegment(uint64_t file_id,
                                                                  uint64_t offset) {
  CURVE_ASSIGN_OR_RETURN(auto kv, client_.Get(SegmentPrefix(file_id) + Hex(offset)));
  if (!kv.has_value()) return std::optional<SegmentInfo>();
  CURVE_ASSIGN_OR_RETURN(auto segment, Parse<SegmentInfo>(*kv));
  return std::optional<SegmentInfo>(std::move(segment));
}

Result<SegmentInfo> EtcdNamespaceStore::CreateSegment(const SegmentInfo& segment) {
  std::string key = SegmentPrefix(segment.file_id()) + Hex(segment.offset());
  CURVE_ASSIGN_OR_RETURN(
      auto txn, client_.Txn({Compare::Missing(key)}, {Op::Put(key, segment.SerializeAsString())},
                            {Op::Get(key)}));
  if (txn.succeeded) return segment;
  if (txn.results.empty() || txn.results[0].kvs.empty()) {
    return AbortedError("segment vanished while being allocated; retry");
  }
  return Parse<SegmentInfo>(txn.results[0].kvs[0]);
}

Result<uint64_t> EtcdNamespaceStore::AllocateChunkIds(uint32_t count) {
  return Reserve(prefix_ + "ids/chunk", count);
}

Result<std::vector<uint64_t>> EtcdNamespaceStore::ListGarbage() {
  const std::string prefix = prefix_ + "garbage/";
  CURVE_ASSIGN_OR_RETURN(auto kvs, client_.ListAll(prefix));
  std::vector<uint64_t> out;
  for (const auto& kv : kvs) out.push_back(std::stoull(kv.key.substr(prefix.size()), nullptr, 16));
  return out;
}

Result<std::vector<SegmentInfo>> EtcdNamespaceStore::ListSegments(uint64_t file_id) {
  CURVE_ASSIGN_OR_RETURN(auto kvs, client_.ListAll(SegmentPrefix(file_id)));
  std::vector<SegmentInfo> out;
  for (const auto& kv : kvs) {
    CURVE_ASSIGN_OR_RETURN(auto segment, Parse<SegmentInfo>(kv));
    out.push_back(std::move(segment));
  }
  return out;
}

Status EtcdNamespaceStore::RemoveSegment(uint64_t file_id, uint64_t offset) {
  return client_.Delete(SegmentPrefix(file_id) + Hex(offset)).status();
}

Status EtcdNamespaceStore::RemoveGarbage(uint64_t file_id) {
  return client_
      .Txn({}, {Op::Delete(prefix_ + "garbage/" + Hex(file_id)),
                Op::DeletePrefix(SegmentPrefix(file_id))})
      .status();
}

Result<SessionInfo> EtcdNamespaceStore::CreateSession(SessionInfo session,
                                                      std::chrono::seconds ttl) {
  std::string key = prefix_ + "session/" + Hex(session.file_id());
  CURVE_ASSIGN_OR_RETURN(auto lease, client_.GrantLease(ttl));
  session.set_lease_id(lease.id);
  auto txn = client_.Txn({Compare::Missing(key)},
                         {Op::Put(key, session.SerializeAsString(), lease.id)}, {Op::Get(key)});
  if (txn.ok() && txn->succeeded) return session;
  client_.RevokeLease(lease.id).IgnoreError();
  if (!txn.ok()) return txn.status();
  std::string holder = "another client";
  if (!txn->results.empty() && !txn->results[0].kvs.empty()) {
    auto other = Parse<SessionInfo>(txn->results[0].kvs[0]);
    if (other.ok()) holder = "client " + other->client();
  }
  return FailedPreconditionError("already open by " + holder);
}

Result<std::optional<SessionInfo>> EtcdNamespaceStore::GetSession(uint64_t file_id) {
  CURVE_ASSIGN_OR_RETURN(auto kv, client_.Get(prefix_ + "session/" + Hex(file_id)));
  if (!kv.has_value()) return std::optional<SessionInfo>();
  CURVE_ASSIGN_OR_RETURN(auto session, Parse<SessionInfo>(*kv));
  return std::optional<SessionInfo>(std::move(session));
}

Status EtcdNamespaceStore::RefreshSession(const SessionInfo& session) {
  CURVE_ASSIGN_OR_RETURN(auto current, GetSession(session.file_id()));
  if (!current.has_value() || current->session_id() != session.session_id()) {
    return NotFoundError("session " + session.session_id() + " is not open (expired?)");
  }
  auto ttl = client_.KeepAliveOnce(current->lease_id());
  if (!ttl.ok()) return ttl.status();
  if (session.sequence() == 0 || session.sequence() == current->sequence()) return Status::Ok();
  // Only the holder refreshes, so a lost comparison means the session ended (or a retried
  // refresh stored the same sequence meanwhile).
  SessionInfo updated = *current;
  updated.set_sequence(session.sequence());
  std::string key = prefix_ + "session/" + Hex(session.file_id());
  CURVE_ASSIGN_OR_RETURN(
      auto txn,
      client_.Txn({Compare::Value(key, Compare::Result::kEqual, current->SerializeAsString())},
                  {Op::Put(key, updated.SerializeAsString(), current->lease_id())}));
  if (txn.succeeded) return Status::Ok();
  CURVE_ASSIGN_OR_RETURN(auto now, GetSession(session.file_id()));
  if (now.has_value() && now->session_id() == session.session_id() &&
      now->sequence() == session.sequence()) {
    return Status::Ok();
  }
  return NotFoundError("session " + session.session_id() + " is not open (expired?)");
}

Status EtcdNamespaceStore::DeleteSession(const SessionInfo& session) {
  CURVE_ASSIGN_OR_RETURN(auto current, GetSession(session.file_id()));
  if (!current.has_value() || current->session_id() != session.session_id()) {
    return NotFoundError("session " + session.session_id() + " is not open");
  }
  std::string key = prefix_ + "session/" + Hex(session.file_id());
  CURVE_ASSIGN_OR_RETURN(
      auto txn,
      client_.Txn({Compare::Value(key, Compare::Result::kEqual, current->SerializeAsString())},
                  {Op::Delete(key)}));
  if (!txn.succeeded) return NotFoundError("session " + session.session_id() + " is not open");
  client_.RevokeLease(current->lease_id()).IgnoreError();
  return Status::Ok();
}

Status EtcdNamespaceStore::CreateSnapshot(const FileInfo& raised, int64_t revision,
                                          const SnapshotInfo& snapshot) {
  std::string key = FileKey(raised.parent_id(), raised.name());
  std::string snap = prefix_ + "snap/" + Hex(raised.id());
  CURVE_ASSIGN_OR_RETURN(
      auto txn,
      client_.Txn(
          {Compare::ModRevision(key, Compare::Result::kEqual, revision), Compare::Missing(snap)},
          {Op::Put(key, raised.SerializeAsString()), Op::Put(snap, snapshot.SerializeAsString())},
          {Op::Get(snap)}));
  if (txn.succeeded) return Status::Ok();
  if (!txn.results.empty() && !txn.results[0].kvs.empty()) {
    return AlreadyExistsError("file " + std::to_string(raised.id()) + " has a snapshot");
  }
  return AbortedError(raised.name() + " changed concurrently");
}

Result<std::optional<SnapshotInfo>> EtcdNamespaceStore::GetSnapshot(uint64_t file_id) {
  CURVE_ASSIGN_OR_RETURN(auto kv, client_.Get(prefix_ + "snap/" + Hex(file_id)));
  if (!kv.has_value()) return std::optional<SnapshotInfo>();
  CURVE_ASSIGN_OR_RETURN(auto snapshot, Parse<SnapshotInfo>(*kv));
  return std::optional<SnapshotInfo>(std::move(snapshot));
}

Status EtcdNamespaceStore::RemoveSnapshot(uint64_t file_id, uint64_t sequence) {
  std::string key = prefix_ + "snap/" + Hex(file_id);
  CURVE_ASSIGN_OR_RETURN(auto kv, client_.Get(key));
  std::optional<SnapshotInfo> current;
  if (kv.has_value()) {
    CURVE_ASSIGN_OR_RETURN(current, Parse<SnapshotInfo>(*kv));
  }
  if (!current.has_value() || current->sequence() != sequence) {
    return NotFoundError("file " + std::to_string(file_id) + " has no snapshot at sequence " +
                         std::to_string(sequence));
  }
  CURVE_ASSIGN_OR_RETURN(
      auto txn, client_.Txn({Compare::ModRevision(key, Compare::Result::kEqual, kv->mod_revision)},
                            {Op::Delete(key)}));
  if (!txn.succeeded) {
    return NotFoundError("file " + std::to_string(file_id) + " has no snapshot at sequence " +
                         std::to_string(sequence) + " (removed concurrently)");
  }
  return Status::Ok();
}

}  // namespace curve::mds
