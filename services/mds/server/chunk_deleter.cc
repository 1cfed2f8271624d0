#include "services/mds/server/chunk_deleter.h"

#include <grpcpp/grpcpp.h>

#include "common/rpc/grpc_status.h"
#include "common/rpc/retry.h"
#include "proto/chunkserver/chunk.grpc.pb.h"

namespace curve::mds {

Status ChunkDeleter::Delete(const std::string& leader_address, uint32_t logical_pool,
                            uint32_t copyset, uint64_t chunk) {
  auto& channel = channels_[leader_address];
  if (!channel) channel = rpc::MakeChannel(leader_address);
  chunkserver::DeleteChunkRequest request;
  request.mutable_chunk()->set_logical_pool_id(logical_pool);
  request.mutable_chunk()->set_copyset_id(copyset);
  request.mutable_chunk()->set_chunk_id(chunk);
  chunkserver::DeleteChunkResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout_);
  return rpc::FromGrpcStatus(
      chunkserver::ChunkService::NewStub(channel)->DeleteChunk(&context, request, &response));
}

}  // namespace curve::mds
