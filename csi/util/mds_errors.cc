#include "csi/util/mds_errors.h"

namespace curve::csi {

Status FromMdsError(const Status& status, std::string_view what, std::string_view addresses) {
  if (status.ok()) return status;
  if (status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kDeadlineExceeded) {
    return UnavailableError("MDS unreachable at " + std::string(addresses) + ": " +
                            std::string(what) + ": " + status.message());
  }
  return status.WithContext(what);
}

}  // namespace curve::csi
