#pragma once

// The HTTP API's requests: `GET /SnapshotCloneService?Action=<A>&Version=0.0.6&User=<u>&...`
// (upstream Curve's shape, which curve-csi drives). ParseRequest validates every parameter
// before anything is done: the action must be known, its required parameters present, and
// numbers, booleans and paths well formed; the error message names the parameter and what was
// expected. Answer codes are upstream's (src/snapshotcloneserver/common/define.h).

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace curve::snapshotclone {

namespace code {
constexpr int kSuccess = 0;
constexpr int kInternalError = -1;
constexpr int kInvalidRequest = -5;
constexpr int kTaskExist = -6;
constexpr int kInvalidUser = -7;
constexpr int kFileNotExist = -8;
constexpr int kFileStatusInvalid = -9;
constexpr int kFileNameNotMatch = -11;
constexpr int kCannotDeleteUnfinished = -12;
constexpr int kCannotCreateWhenError = -13;
constexpr int kCannotCancelFinished = -14;
constexpr int kInvalidSnapshot = -15;
constexpr int kCannotDeleteCloning = -16;
constexpr int kCannotCleanUnfinished = -17;
constexpr int kFileExist = -19;
constexpr int kNotSupport = -21;
}  // namespace code

// Upstream's message for a code ("Exec success.", "File not exist.", ...).
std::string_view CodeMessage(int code);
// The HTTP status upstream answers a code with: 200 for success, 400 for an invalid request,
// 500 otherwise.
int HttpStatusOf(int code);

enum class Action {
  kCreateSnapshot,
  kDeleteSnapshot,
  kCancelSnapshot,
  kGetFileSnapshotInfo,
  kGetFileSnapshotList,
  kClone,
  kRecover,
  kFlatten,
  kGetCloneTasks,
  kGetCloneTaskList,
  kCleanCloneTask,
  kGetCloneRefStatus,
};

struct Request {
  Action action = Action::kCreateSnapshot;
  std::string version;
  std::string user;
  std::optional<std::string> file;
  std::optional<std::string> name;
  std::optional<std::string> uuid;
  std::optional<std::string> source;
  std::optional<std::string> destination;
  std::optional<std::string> poolset;
  std::optional<bool> lazy;
  std::optional<int> status;
  std::optional<int> type;
  int limit = 10;
  int offset = 0;
};

using Query = std::map<std::string, std::string, std::less<>>;

// INVALID_ARGUMENT (answered as kInvalidRequest) naming the parameter and what was expected.
Result<Request> ParseRequest(const Query& query);

}  // namespace curve::snapshotclone
