#pragma once

// Shared plumbing of the MDS gRPC handlers; include only from service implementations.
#include <grpcpp/server_context.h>

#include <chrono>
#include <string>

#include "common/rpc/grpc_status.h"
#include "services/mds/server/leader_state.h"
#include "services/mds/server/rpc_observer.h"
#include "services/mds/server/services.h"

namespace curve::mds {

// Checks leadership, runs `handler` (returning Status), records metrics and logs, and maps the
// outcome to a grpc::Status.
template <typename Handler>
grpc::Status Serve(const LeaderState& leader, RpcObserver& observer, grpc::ServerContext* context,
                   const char* method, const std::string& fields, Handler&& handler) {
  auto start = std::chrono::steady_clock::now();
  Status status = leader.Check();
  if (!status.ok()) {
    std::string address = leader.leader();
    if (!address.empty()) context->AddTrailingMetadata(kLeaderTrailer, address);
  } else {
    status = handler();
  }
  observer.Record(method, fields, status, start);
  return rpc::ToGrpcStatus(status);
}

}  // namespace curve::mds
