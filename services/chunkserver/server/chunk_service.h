#pragma once

// ChunkServiceImpl: the chunk RPCs (proto/chunkserver/chunk.proto) over the hosted copysets.
// Writes and deletes are proposed to the copyset's raft group and answered once applied here;
// reads pass the group's read barrier (the leader's lease) and read the local ChunkStore.
// Members that do not lead answer FAILED_PRECONDITION naming the leader's address.
//
// Thread-safety: gRPC calls it from many threads; the manager and store are thread-safe.

#include "proto/chunkserver/chunk.grpc.pb.h"
#include "services/chunkserver/copyset/copyset_manager.h"

namespace curve::chunkserver {

class ChunkServiceImpl final : public ChunkService::Service {
 public:
  ChunkServiceImpl(CopysetManager* copysets, ChunkStore* store)
      : copysets_(copysets), store_(store) {}

  grpc::Status WriteChunk(grpc::ServerContext* context, const WriteChunkRequest* request,
                          WriteChunkResponse* response) override;
  grpc::Status ReadChunk(grpc::ServerContext* context, const ReadChunkRequest* request,
                         ReadChunkResponse* response) override;
  grpc::Status DeleteChunk(grpc::ServerContext* context, const DeleteChunkRequest* request,
                           DeleteChunkResponse* response) override;
  grpc::Status GetChunkInfo(grpc::ServerContext* context, const GetChunkInfoRequest* request,
                            GetChunkInfoResponse* response) override;
  grpc::Status JoinCopyset(grpc::ServerContext* context, const JoinCopysetRequest* request,
                           JoinCopysetResponse* response) override;

 private:
  Result<std::shared_ptr<Copyset>> Find(const ChunkAddress& address);
  // Proposes `op` and waits for its outcome; the index it was applied at.
  Result<uint64_t> Propose(Copyset& copyset, std::string op);
  // Waits until local reads of the copyset are linearizable (leader only).
  Status Barrier(Copyset& copyset);

  CopysetManager* const copysets_;
  ChunkStore* const store_;
};

}  // namespace curve::chunkserver
