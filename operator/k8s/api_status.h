#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace curve::k8s {

// Maps an HTTP response of the API server to a Status. `body` is the response body, usually a
// metav1.Status object whose message is kept (the API server's explanation, e.g. which field is
// invalid); `what` ("get configmaps ns/x") prefixes it. 2xx maps to OK.
//   400, 422 -> InvalidArgument      401 -> Unauthenticated     403 -> PermissionDenied
//   404 -> NotFound                  405 -> Unimplemented       410 -> OutOfRange (IsGone)
//   409 reason AlreadyExists -> AlreadyExists, other 409 -> Aborted (conflicts)
//   412 -> Aborted                   415 -> InvalidArgument     429 -> ResourceExhausted
//   504 -> DeadlineExceeded          other 5xx -> Unavailable   else -> Unknown
Status StatusFromHttp(int http_status, std::string_view body, std::string_view what);

// The same mapping for a metav1.Status object (as sent in a watch ERROR event).
Status StatusFromApiStatus(const nlohmann::json& api_status, std::string_view what);

// The resourceVersion asked for is gone (410 Expired / Gone): list again.
bool IsGone(const Status& status);
// A write lost a race (stale resourceVersion, field manager conflict, failed precondition).
bool IsConflict(const Status& status);
// Worth retrying an idempotent call.
bool IsRetryable(const Status& status);

}  // namespace curve::k8s
