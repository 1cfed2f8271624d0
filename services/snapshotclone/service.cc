#include "services/snapshotclone/service.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "services/snapshotclone/records.h"
#include "services/snapshotclone/task_store.h"
#include "services/snapshotclone/volume_snapshot_source.h"

namespace curve::snapshotclone {

using Json = nlohmann::json;

struct SnapshotCloneService::Reply {
  int code = code::kSuccess;
  std::string detail;  // appended to the code's message
  Json fields = Json::object();
};

namespace {

using Reply = SnapshotCloneService::Reply;

Reply Fail(int c, std::string detail) {
  Reply reply;
  reply.code = c;
  reply.detail = std::move(detail);
  return reply;
}

// An error of the cluster or the store: -8 for NOT_FOUND, -7 for PERMISSION_DENIED, else -1.
Reply FromStatus(const Status& status, int not_found = code::kFileNotExist) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return Fail(not_found, status.message());
    case StatusCode::kPermissionDenied:
      return Fail(code::kInvalidUser, status.message());
    default:
      return Fail(code::kInternalError, status.ToString());
  }
}

Json SnapshotJson(const SnapshotRecord& r) {
  return {{"UUID", r.uuid},
          {"User", r.user},
          {"File", r.file},
          {"SeqNum", r.seq},
          {"Name", r.name},
          {"Time", r.time_us},
          {"FileLength", r.file_length},
          {"Status", static_cast<int>(r.status)},
          {"Progress", r.progress}};
}

Json CloneJson(const CloneRecord& r) {
  return {{"UUID", r.uuid},
          {"User", r.user},
          {"File", r.destination},
          {"Src", r.source},
          {"TaskType", static_cast<int>(r.type)},
          {"FileType", r.source_is_snapshot ? 1 : 0},
          {"TaskStatus", static_cast<int>(r.status)},
          {"IsLazy", r.lazy},
          {"NextStep", static_cast<int>(r.step)},
          {"Time", r.time_us},
          {"Progress", r.progress}};
}

const char* ActionName(Action action) {
  switch (action) {
    case Action::kCreateSnapshot:
      return "CreateSnapshot";
    case Action::kDeleteSnapshot:
      return "DeleteSnapshot";
    case Action::kCancelSnapshot:
      return "CancelSnapshot";
    case Action::kGetFileSnapshotInfo:
      return "GetFileSnapshotInfo";
    case Action::kGetFileSnapshotList:
      return "GetFileSnapshotList";
    case Action::kClone:
      return "Clone";
    case Action::kRecover:
      return "Recover";
    case Action::kFlatten:
      return "Flatten";
    case Action::kGetCloneTasks:
      return "GetCloneTasks";
    case Action::kGetCloneTaskList:
      return "GetCloneTaskList";
    case Action::kCleanCloneTask:
      return "CleanCloneTask";
    case Action::kGetCloneRefStatus:
      return "GetCloneRefStatus";
  }
  return "Unknown";
}

// The page [offset, offset + limit) of `items` as a JSON array.
template <typename T, typename ToJson>
Json Page(const std::vector<T>& items, int offset, int limit, ToJson to_json) {
  Json out = Json::array();
  for (size_t i = offset; i < items.size() && i < static_cast<size_t>(offset) + limit; ++i) {
    out.push_back(to_json(items[i]));
  }
  return out;
}

}  // namespace

SnapshotCloneService::SnapshotCloneService(TaskStore& store, VolumeSnapshotSource& source,
                                           std::function<void()> poke)
    : store_(store), source_(source), poke_(std::move(poke)) {}

Answer SnapshotCloneService::Handle(const Query& query) {
  const std::string request_id = NewUuid();
  auto logger = log::Get("snapshotclone");
  auto request = ParseRequest(query);
  Reply reply;
  std::string action = "Invalid";
  if (!request.ok()) {
    reply = Fail(code::kInvalidRequest, request.status().message());
  } else {
    action = ActionName(request->action);
    reply = Dispatch(*request);
  }
  Json body = reply.fields;
  body["Code"] = std::to_string(reply.code);
  std::string message(CodeMessage(reply.code));
  if (!reply.detail.empty()) message += " " + reply.detail;
  body["Message"] = message;
  body["RequestId"] = request_id;
  if (reply.code == code::kSuccess) {
    logger->info("op={} request_id={} user={} code=0", action, request_id,
                 request.ok() ? request->user : "");
  } else {
    logger->warn("op={} request_id={} code={} err=\"{}\"", action, request_id, reply.code, message);
  }
  return {HttpStatusOf(reply.code), body.dump()};
}

SnapshotCloneService::Reply SnapshotCloneService::Dispatch(const Request& r) {
  switch (r.action) {
    case Action::kCreateSnapshot:
      return CreateSnapshot(r);
    case Action::kDeleteSnapshot:
      return DeleteSnapshot(r, false);
    case Action::kCancelSnapshot:
      return DeleteSnapshot(r, true);
    case Action::kGetFileSnapshotInfo:
    case Action::kGetFileSnapshotList:
      return GetSnapshots(r);
    case Action::kClone:
    case Action::kRecover:
      return Clone(r);
    case Action::kFlatten:
      return Flatten(r);
    case Action::kGetCloneTasks:
    case Action::kGetCloneTaskList:
      return GetCloneTasks(r);
    case Action::kCleanCloneTask:
      return CleanCloneTask(r);
    case Action::kGetCloneRefStatus:
      return GetCloneRefStatus(r);
  }
  return Fail(code::kInvalidRequest, "unknown action");
}

Result<bool> SnapshotCloneService::VolumeBusy(const std::string& file) {
  CURVE_ASSIGN_OR_RETURN(auto snapshots, store_.ListSnapshots());
  for (const auto& s : snapshots) {
    if (s.file == file && Unfinished(s)) return true;
  }
  CURVE_ASSIGN_OR_RETURN(auto clones, store_.ListClones());
  for (const auto& c : clones) {
    if (!c.source_is_snapshot && c.source == file && Unfinished(c)) return true;
  }
  return false;
}

SnapshotCloneService::Reply SnapshotCloneService::CreateSnapshot(const Request& r) {
  auto volume = source_.StatVolume(r.user, *r.file);
  if (!volume.ok()) return FromStatus(volume.status());
  SnapshotRecord record;
  record.uuid = NewUuid();
  record.user = r.user;
  record.file = *r.file;
  record.name = *r.name;
  record.status = SnapshotStatus::kPending;
  record.poolset = volume->poolset;
  // The snapshot holds the volume as of this request: the MDS snapshot is taken now, unless
  // another task of the volume holds one (then this one is queued and taken when it starts).
  auto busy = VolumeBusy(record.file);
  if (!busy.ok()) return FromStatus(busy.status());
  if (!*busy) {
    auto taken = source_.CreateSnapshot(r.user, record.file);
    if (taken.ok()) {
      record.seq = taken->sequence;
      record.file_length = taken->size != 0 ? taken->size : volume->size;
      record.chunk_size = taken->chunk_size != 0 ? taken->chunk_size : volume->chunk_size;
      record.segment_size = taken->segment_size != 0 ? taken->segment_size : volume->segment_size;
      record.step = Step::kWait;
    } else if (taken.status().code() != StatusCode::kFailedPrecondition) {
      return FromStatus(taken.status());
    }
  }
  record.time_us = NowMicros();
  if (Status s = store_.CreateSnapshot(record); !s.ok()) return FromStatus(s);
  if (poke_) poke_();
  Reply reply;
  reply.fields["UUID"] = record.uuid;
  return reply;
}

SnapshotCloneService::Reply SnapshotCloneService::DeleteSnapshot(const Request& r,
                                                                 bool cancel_only) {
  auto found = store_.GetSnapshot(*r.uuid);
  if (!found.ok()) return FromStatus(found.status());
  if (!found->has_value()) {
    return Fail(cancel_only ? code::kCannotCancelFinished : code::kFileNotExist,
                "snapshot " + *r.uuid + " does not exist");
  }
  const SnapshotRecord& record = **found;
  if (record.user != r.user) {
    return Fail(code::kInvalidUser, "snapshot " + *r.uuid + " belongs to another user");
  }
  if (record.file != *r.file) {
    return Fail(code::kFileNameNotMatch,
                "snapshot " + *r.uuid + " is of " + record.file + ", not " + *r.file);
  }
  if (!cancel_only) {
    auto clones = store_.ListClones();
    if (!clones.ok()) return FromStatus(clones.status());
    for (const auto& c : *clones) {
      if (c.source_is_snapshot && c.source == record.uuid && Unfinished(c)) {
        return Fail(code::kCannotDeleteCloning,
                    "snapshot " + *r.uuid + " is read by clone task " + c.uuid);
      }
    }
  }
  Reply refused;
  auto updated = store_.UpdateSnapshot(record.uuid, [&](SnapshotRecord* current) -> Status {
    switch (current->status) {
      case SnapshotStatus::kPending:
        current->status = SnapshotStatus::kCanceling;
        return Status::Ok();
      case SnapshotStatus::kCanceling:
        return Status::Ok();
      case SnapshotStatus::kDeleting:
        if (!cancel_only) return Status::Ok();
        break;
      default:
        if (!cancel_only) {
          current->status = SnapshotStatus::kDeleting;
          return Status::Ok();
        }
        break;
    }
    refused = Fail(code::kCannotCancelFinished,
                   "snapshot " + current->uuid + " is not in progress (status " +
                       std::to_string(static_cast<int>(current->status)) + ")");
    return FailedPreconditionError("refused");
  });
  if (refused.code != code::kSuccess) return refused;
  if (!updated.ok()) {
    if (updated.status().code() == StatusCode::kNotFound) return Reply{};  // gone meanwhile
    return FromStatus(updated.status());
  }
  if (poke_) poke_();
  return Reply{};
}

SnapshotCloneService::Reply SnapshotCloneService::GetSnapshots(const Request& r) {
  auto all = store_.ListSnapshots();
  if (!all.ok()) return FromStatus(all.status());
  std::vector<SnapshotRecord> matching;
  for (auto& s : *all) {
    if (s.user != r.user) continue;
    if (r.file && s.file != *r.file) continue;
    if (r.uuid && s.uuid != *r.uuid) continue;
    if (r.status && static_cast<int>(s.status) != *r.status) continue;
    matching.push_back(std::move(s));
  }
  if (r.action == Action::kGetFileSnapshotInfo && r.uuid && matching.empty()) {
    return Fail(code::kFileNotExist, "snapshot " + *r.uuid + " of " + *r.file + " does not exist");
  }
  std::sort(matching.begin(), matching.end(),
            [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
  Reply reply;
  reply.fields["TotalCount"] = matching.size();
  reply.fields["Snapshots"] = Page(matching, r.offset, r.limit, SnapshotJson);
  return reply;
}

SnapshotCloneService::Reply SnapshotCloneService::Clone(const Request& r) {
  const bool recover = r.action == Action::kRecover;
  if (r.lazy.value_or(false)) {
    return Fail(code::kNotSupport, "lazy clones are not supported; use Lazy=false");
  }
  CloneRecord record;
  record.uuid = NewUuid();
  record.user = r.user;
  record.source = *r.source;
  record.destination = *r.destination;
  record.poolset = r.poolset.value_or("");
  record.type = recover ? CloneType::kRecover : CloneType::kClone;
  record.source_is_snapshot = r.source->front() != '/';
  record.time_us = NowMicros();
  record.status = recover ? CloneStatus::kRecovering : CloneStatus::kCloning;
  if (record.source_is_snapshot) {
    auto snapshot = store_.GetSnapshot(record.source);
    if (!snapshot.ok()) return FromStatus(snapshot.status());
    if (!snapshot->has_value()) {
      return Fail(code::kFileNotExist, "snapshot " + record.source + " does not exist");
    }
    if ((*snapshot)->user != r.user) {
      return Fail(code::kInvalidUser, "snapshot " + record.source + " belongs to another user");
    }
    if ((*snapshot)->status != SnapshotStatus::kDone) {
      return Fail(code::kInvalidSnapshot,
                  "snapshot " + record.source + " is not finished (status " +
                      std::to_string(static_cast<int>((*snapshot)->status)) + ")");
    }
  } else {
    if (record.source == record.destination) {
      return Fail(code::kInvalidRequest, "parameter Destination: must differ from Source");
    }
    auto volume = source_.StatVolume(r.user, record.source);
    if (!volume.ok()) return FromStatus(volume.status());
  }
  auto destination = source_.StatVolume(r.user, record.destination);
  if (recover && !destination.ok()) return FromStatus(destination.status());
  if (!recover) {
    if (destination.ok()) {
      return Fail(code::kFileExist, "volume " + record.destination + " exists");
    }
    if (destination.status().code() != StatusCode::kNotFound) {
      return FromStatus(destination.status());
    }
  }
  auto clones = store_.ListClones();
  if (!clones.ok()) return FromStatus(clones.status());
  for (const auto& c : *clones) {
    if (c.destination == record.destination && Unfinished(c)) {
      return Fail(code::kTaskExist, "task " + c.uuid + " already writes " + c.destination);
    }
  }
  if (Status s = store_.CreateClone(record); !s.ok()) return FromStatus(s);
  if (poke_) poke_();
  Reply reply;
  reply.fields["UUID"] = record.uuid;
  return reply;
}

SnapshotCloneService::Reply SnapshotCloneService::Flatten(const Request& r) {
  auto found = store_.GetClone(*r.uuid);
  if (!found.ok()) return FromStatus(found.status());
  if (!found->has_value()) return Fail(code::kFileNotExist, "task " + *r.uuid + " does not exist");
  if ((*found)->user != r.user) {
    return Fail(code::kInvalidUser, "task " + *r.uuid + " belongs to another user");
  }
  if ((*found)->status != CloneStatus::kDone) {
    return Fail(code::kFileStatusInvalid, "task " + *r.uuid + " is not finished (status " +
                                              std::to_string(static_cast<int>((*found)->status)) +
                                              ")");
  }
  return Reply{};  // an eager clone is flat once done
}

SnapshotCloneService::Reply SnapshotCloneService::GetCloneTasks(const Request& r) {
  auto all = store_.ListClones();
  if (!all.ok()) return FromStatus(all.status());
  std::vector<CloneRecord> matching;
  for (auto& c : *all) {
    if (c.user != r.user) continue;
    if (r.uuid && c.uuid != *r.uuid) continue;
    if (r.file && c.destination != *r.file) continue;
    if (r.source && c.source != *r.source) continue;
    if (r.destination && c.destination != *r.destination) continue;
    if (r.status && static_cast<int>(c.status) != *r.status) continue;
    if (r.type && static_cast<int>(c.type) != *r.type) continue;
    matching.push_back(std::move(c));
  }
  if (r.action == Action::kGetCloneTasks && r.uuid && matching.empty()) {
    return Fail(code::kFileNotExist, "task " + *r.uuid + " does not exist");
  }
  std::sort(matching.begin(), matching.end(),
            [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
  Reply reply;
  reply.fields["TotalCount"] = matching.size();
  reply.fields["TaskInfos"] = Page(matching, r.offset, r.limit, CloneJson);
  return reply;
}

SnapshotCloneService::Reply SnapshotCloneService::CleanCloneTask(const Request& r) {
  auto found = store_.GetClone(*r.uuid);
  if (!found.ok()) return FromStatus(found.status());
  if (!found->has_value()) return Fail(code::kFileNotExist, "task " + *r.uuid + " does not exist");
  const CloneRecord record = **found;
  if (record.user != r.user) {
    return Fail(code::kInvalidUser, "task " + *r.uuid + " belongs to another user");
  }
  if (record.status == CloneStatus::kCloning || record.status == CloneStatus::kRecovering) {
    return Fail(code::kCannotCleanUnfinished, "task " + *r.uuid + " is still running");
  }
  if (record.status != CloneStatus::kDone && record.type == CloneType::kClone) {
    // A failed clone's destination is half made: delete it.
    auto marked = store_.UpdateClone(record.uuid, [](CloneRecord* c) {
      c->status = CloneStatus::kCleaning;
      return Status::Ok();
    });
    if (!marked.ok()) return FromStatus(marked.status());
    Status deleted = source_.DeleteVolume(record.user, record.destination);
    if (!deleted.ok()) {
      store_
          .UpdateClone(record.uuid,
                       [&](CloneRecord* c) {
                         c->status = CloneStatus::kErrorCleaning;
                         c->message = deleted.ToString();
                         return Status::Ok();
                       })
          .status()
          .IgnoreError();
      return Fail(code::kInternalError,
                  "deleting " + record.destination + ": " + deleted.ToString());
    }
  }
  if (Status s = store_.DeleteClone(record.uuid); !s.ok()) return FromStatus(s);
  return Reply{};
}

SnapshotCloneService::Reply SnapshotCloneService::GetCloneRefStatus(const Request& r) {
  auto all = store_.ListClones();
  if (!all.ok()) return FromStatus(all.status());
  Json files = Json::array();
  for (const auto& c : *all) {
    if (c.source == *r.source && Unfinished(c)) {
      files.push_back({{"User", c.user}, {"File", c.destination}, {"Inode", 0}});
    }
  }
  Reply reply;
  reply.fields["RefStatus"] = files.empty() ? 0 : 1;
  reply.fields["TotalCount"] = files.size();
  reply.fields["CloneFileInfo"] = files;
  return reply;
}

}  // namespace curve::snapshotclone
