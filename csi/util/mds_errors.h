#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace curve::csi {

// Turns an MDS client error into the error a CSI caller should see, naming the cause:
// UNAVAILABLE / DEADLINE_EXCEEDED become UNAVAILABLE "MDS unreachable at <addresses>: ...";
// others keep their code with `what` prefixed. OK stays OK.
Status FromMdsError(const Status& status, std::string_view what, std::string_view addresses);

}  // namespace curve::csi
