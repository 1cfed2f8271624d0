#pragma once

#include <grpcpp/support/status.h>

#include "common/status.h"

namespace curve::rpc {

// Status codes share gRPC's numbering, so both directions keep code and message unchanged.
grpc::Status ToGrpcStatus(const Status& status);
Status FromGrpcStatus(const grpc::Status& status);

}  // namespace curve::rpc
