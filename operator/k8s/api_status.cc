#include "operator/k8s/api_status.h"

#include <string>

namespace curve::k8s {
namespace {

StatusCode CodeFor(int http_status, std::string_view reason) {
  switch (http_status) {
    case 400:
    case 415:
    case 422:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 405:
      return StatusCode::kUnimplemented;
    case 409:
      return reason == "AlreadyExists" ? StatusCode::kAlreadyExists : StatusCode::kAborted;
    case 410:
      return StatusCode::kOutOfRange;
    case 412:
      return StatusCode::kAborted;
    case 429:
      return StatusCode::kResourceExhausted;
    case 504:
      return StatusCode::kDeadlineExceeded;
    default:
      return http_status >= 500 && http_status < 600 ? StatusCode::kUnavailable
                                                     : StatusCode::kUnknown;
  }
}

}  // namespace

Status StatusFromApiStatus(const nlohmann::json& api_status, std::string_view what) {
  int code = 0;
  std::string reason, message;
  if (api_status.is_object()) {
    auto c = api_status.find("code");
    if (c != api_status.end() && c->is_number_integer()) code = c->get<int>();
    auto r = api_status.find("reason");
    if (r != api_status.end() && r->is_string()) reason = r->get<std::string>();
    auto m = api_status.find("message");
    if (m != api_status.end() && m->is_string()) message = m->get<std::string>();
  }
  if (code >= 200 && code < 300) return Status::Ok();
  if (message.empty()) message = reason.empty() ? "no message" : reason;
  std::string text(what);
  text += ": HTTP " + std::to_string(code);
  if (!reason.empty()) text += " " + reason;
  text += ": " + message;
  return Status(CodeFor(code, reason), text);
}

Status StatusFromHttp(int http_status, std::string_view body, std::string_view what) {
  if (http_status >= 200 && http_status < 300) return Status::Ok();
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.value("kind", "") == "Status") {
    parsed["code"] = http_status;
    return StatusFromApiStatus(parsed, what);
  }
  std::string text(what);
  text += ": HTTP " + std::to_string(http_status);
  if (!body.empty()) {
    text += ": ";
    text += body.substr(0, 500);
  }
  return Status(CodeFor(http_status, ""), text);
}

bool IsGone(const Status& status) { return status.code() == StatusCode::kOutOfRange; }

bool IsConflict(const Status& status) { return status.code() == StatusCode::kAborted; }

bool IsRetryable(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kResourceExhausted ||
         status.code() == StatusCode::kDeadlineExceeded;
}

}  // namespace curve::k8s
