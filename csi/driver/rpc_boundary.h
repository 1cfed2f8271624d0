#pragma once

#include <chrono>
#include <string_view>

#include "common/status.h"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf
namespace grpc {
class Status;
}  // namespace grpc

namespace curve::csi {

// The one place a handler's outcome leaves the driver: logs the call once (op, request with
// secrets stripped, code, error, duration; errors at warn, successes at info) and converts the
// Status to the gRPC status of the same code and message.
grpc::Status FinishCall(std::string_view op, const google::protobuf::Message& request,
                        const Status& status, std::chrono::steady_clock::time_point started);

}  // namespace curve::csi
