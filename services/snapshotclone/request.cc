#include "services/snapshotclone/request.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <vector>

namespace curve::snapshotclone {
namespace {

constexpr std::string_view kVersion = "0.0.6";

struct ActionSpec {
  std::string_view name;
  Action action;
  std::vector<std::string_view> required;
};

const std::vector<ActionSpec>& Specs() {
  static const auto* specs = new std::vector<ActionSpec>{
      {"CreateSnapshot", Action::kCreateSnapshot, {"File", "Name"}},
      {"DeleteSnapshot", Action::kDeleteSnapshot, {"File", "UUID"}},
      {"CancelSnapshot", Action::kCancelSnapshot, {"File", "UUID"}},
      {"GetFileSnapshotInfo", Action::kGetFileSnapshotInfo, {"File"}},
      {"GetFileSnapshotList", Action::kGetFileSnapshotList, {}},
      {"Clone", Action::kClone, {"Source", "Destination", "Lazy"}},
      {"Recover", Action::kRecover, {"Source", "Destination", "Lazy"}},
      {"Flatten", Action::kFlatten, {"UUID"}},
      {"GetCloneTasks", Action::kGetCloneTasks, {}},
      {"GetCloneTaskList", Action::kGetCloneTaskList, {}},
      {"CleanCloneTask", Action::kCleanCloneTask, {"UUID"}},
      {"GetCloneRefStatus", Action::kGetCloneRefStatus, {"Source"}},
  };
  return *specs;
}

Status Bad(std::string_view parameter, std::string_view value, std::string_view expected) {
  return InvalidArgumentError("parameter " + std::string(parameter) + ": value '" +
                              std::string(value) + "' is invalid: expected " +
                              std::string(expected));
}

std::optional<std::string> Get(const Query& query, std::string_view key) {
  auto it = query.find(key);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

Status ReadInt(const Query& query, std::string_view key, int min, int max,
               std::optional<int>* out) {
  auto text = Get(query, key);
  if (!text.has_value()) return Status::Ok();
  int value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (ec != std::errc() || end != text->data() + text->size() || text->empty() || value < min ||
      value > max) {
    return Bad(key, *text, expected);
  }
  *out = value;
  return Status::Ok();
}

Status ReadPath(const Query& query, std::string_view key, std::optional<std::string>* out) {
  auto text = Get(query, key);
  if (!text.has_value()) return Status::Ok();
  if (text->empty() || text->front() != '/' || (text->size() > 1 && text->back() == '/') ||
      text->find("//") != std::string::npos) {
    return Bad(key, *text, "an absolute volume path like /dir/volume");
  }
  *out = *text;
  return Status::Ok();
}

Status ReadName(const Query& query, std::string_view key, std::optional<std::string>* out) {
  auto text = Get(query, key);
  if (!text.has_value()) return Status::Ok();
  if (text->empty() || text->size() > 256) return Bad(key, *text, "1 to 256 characters");
  *out = *text;
  return Status::Ok();
}

}  // namespace

std::string_view CodeMessage(int c) {
  switch (c) {
    case code::kSuccess:
      return "Exec success.";
    case code::kInternalError:
      return "Internal error.";
    case code::kInvalidRequest:
      return "BadRequest:\"Invalid request.\"";
    case code::kTaskExist:
      return "Task already exist.";
    case code::kInvalidUser:
      return "Invalid user.";
    case code::kFileNotExist:
      return "File not exist.";
    case code::kFileStatusInvalid:
      return "File status invalid.";
    case code::kFileNameNotMatch:
      return "FileName not match.";
    case code::kCannotDeleteUnfinished:
      return "Cannot delete unfinished.";
    case code::kCannotCreateWhenError:
      return "Cannot create when has error.";
    case code::kCannotCancelFinished:
      return "Cannot cancel finished.";
    case code::kInvalidSnapshot:
      return "Invalid snapshot.";
    case code::kCannotDeleteCloning:
      return "Cannot delete when using.";
    case code::kCannotCleanUnfinished:
      return "Cannot clean task unfinished.";
    case code::kFileExist:
      return "File exist.";
    case code::kNotSupport:
      return "Not support.";
    default:
      return "Unknown error.";
  }
}

int HttpStatusOf(int c) {
  if (c == code::kSuccess) return 200;
  if (c == code::kInvalidRequest) return 400;
  return 500;
}

Result<Request> ParseRequest(const Query& query) {
  Request request;
  auto action = Get(query, "Action");
  if (!action.has_value() || action->empty()) {
    return InvalidArgumentError(
        "parameter Action is missing: expected one of CreateSnapshot, "
        "DeleteSnapshot, CancelSnapshot, GetFileSnapshotInfo, "
        "GetFileSnapshotList, Clone, Recover, Flatten, GetCloneTasks, "
        "GetCloneTaskList, CleanCloneTask, GetCloneRefStatus");
  }
  const ActionSpec* spec = nullptr;
  std::string names;
  for (const auto& s : Specs()) {
    if (s.name == *action) spec = &s;
    names += names.empty() ? std::string(s.name) : ", " + std::string(s.name);
  }
  if (spec == nullptr) return Bad("Action", *action, "one of " + names);
  request.action = spec->action;

  auto version = Get(query, "Version");
  if (!version.has_value()) {
    return InvalidArgumentError("parameter Version is missing: expected " + std::string(kVersion));
  }
  if (*version != kVersion) return Bad("Version", *version, kVersion);
  request.version = *version;
  auto user = Get(query, "User");
  if (!user.has_value())
    return InvalidArgumentError("parameter User is missing: expected a user name");
  if (user->empty() || user->size() > 64) return Bad("User", *user, "1 to 64 characters");
  request.user = *user;
  for (std::string_view key : spec->required) {
    if (!Get(query, key).has_value()) {
      return InvalidArgumentError("parameter " + std::string(key) +
                                  " is missing: " + std::string(spec->name) + " requires it");
    }
  }

  CURVE_RETURN_IF_ERROR(ReadPath(query, "File", &request.file));
  CURVE_RETURN_IF_ERROR(ReadPath(query, "Destination", &request.destination));
  CURVE_RETURN_IF_ERROR(ReadName(query, "Name", &request.name));
  CURVE_RETURN_IF_ERROR(ReadName(query, "UUID", &request.uuid));
  CURVE_RETURN_IF_ERROR(ReadName(query, "Poolset", &request.poolset));
  CURVE_RETURN_IF_ERROR(ReadName(query, "Source", &request.source));
  if (request.source.has_value() && request.source->front() == '/') {
    CURVE_RETURN_IF_ERROR(ReadPath(query, "Source", &request.source));
  }
  if (auto lazy = Get(query, "Lazy"); lazy.has_value()) {
    if (*lazy == "true" || *lazy == "True" || *lazy == "1") {
      request.lazy = true;
    } else if (*lazy == "false" || *lazy == "False" || *lazy == "0") {
      request.lazy = false;
    } else {
      return Bad("Lazy", *lazy, "true or false");
    }
  }
  std::optional<int> limit, offset;
  CURVE_RETURN_IF_ERROR(ReadInt(query, "Limit", 1, 1000000, &limit));
  CURVE_RETURN_IF_ERROR(ReadInt(query, "Offset", 0, 1 << 30, &offset));
  request.limit = limit.value_or(10);
  request.offset = offset.value_or(0);
  const bool clone_query =
      spec->action == Action::kGetCloneTasks || spec->action == Action::kGetCloneTaskList;
  CURVE_RETURN_IF_ERROR(ReadInt(query, "Status", 0, clone_query ? 7 : 5, &request.status));
  CURVE_RETURN_IF_ERROR(ReadInt(query, "Type", 0, 1, &request.type));
  if (spec->action == Action::kRecover && request.source.has_value() &&
      request.source->front() == '/') {
    return Bad("Source", *request.source, "a snapshot UUID (Recover restores a snapshot)");
  }
  return request;
}

}  // namespace curve::snapshotclone
