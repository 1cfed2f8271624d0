#include "csi/driver/rpc_boundary.h"

#include <grpcpp/support/status.h>
#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "common/rpc/grpc_status.h"
#include "csi/util/secrets.h"

namespace curve::csi {

grpc::Status FinishCall(std::string_view op, const google::protobuf::Message& request,
                        const Status& status, std::chrono::steady_clock::time_point started) {
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count();
  auto logger = curve::log::Get("csi");
  if (status.ok()) {
    logger->info("op={} ms={} req={{{}}}", op, elapsed, StripSecretsForLog(request));
  } else {
    logger->warn("op={} ms={} code={} err=\"{}\" req={{{}}}", op, elapsed,
                 StatusCodeName(status.code()), status.message(), StripSecretsForLog(request));
  }
  return rpc::ToGrpcStatus(status);
}

}  // namespace curve::csi
