#pragma once

// ChunkServiceImpl: the chunk RPCs (proto/chunkserver/chunk.proto) over the hosted copysets.
// Writes and deletes are proposed to the copyset's raft group and answered once applied here:
// they use gRPC's callback API, and the answer leaves from the raft driver's completion, so no
// thread waits for the log. Reads pass the group's read barrier (the leader's lease) and read the
// local ChunkStore on a synchronous-API thread. Members that do not lead answer
// FAILED_PRECONDITION naming the leader's address. Copy-on-write snapshots: ReadChunkSnapshot is
// a read, DeleteChunkSnapshot goes through the log like a delete.
//
// Thread-safety: gRPC calls it from many threads; the manager and store are thread-safe.

#include <functional>

#include "proto/chunkserver/chunk.grpc.pb.h"
#include "services/chunkserver/copyset/copyset_manager.h"

namespace curve::chunkserver {

class ChunkServiceImpl final
    : public ChunkService::WithCallbackMethod_WriteChunk<
          ChunkService::WithCallbackMethod_WriteChunks<ChunkService::WithCallbackMethod_DeleteChunk<
              ChunkService::WithCallbackMethod_DeleteChunkSnapshot<ChunkService::Service>>>> {
 public:
  ChunkServiceImpl(CopysetManager* copysets, ChunkStore* store)
      : copysets_(copysets), store_(store) {}

  grpc::ServerUnaryReactor* WriteChunk(grpc::CallbackServerContext* context,
                                       const WriteChunkRequest* request,
                                       WriteChunkResponse* response) override;
  // Every write of the batch as WriteChunk would do it; the call answers OK once all have an
  // outcome, each in its WriteOutcome.
  grpc::ServerUnaryReactor* WriteChunks(grpc::CallbackServerContext* context,
                                        const WriteChunksRequest* request,
                                        WriteChunksResponse* response) override;
  grpc::Status ReadChunk(grpc::ServerContext* context, const ReadChunkRequest* request,
                         ReadChunkResponse* response) override;
  grpc::ServerUnaryReactor* DeleteChunk(grpc::CallbackServerContext* context,
                                        const DeleteChunkRequest* request,
                                        DeleteChunkResponse* response) override;
  grpc::Status GetChunkInfo(grpc::ServerContext* context, const GetChunkInfoRequest* request,
                            GetChunkInfoResponse* response) override;
  // The chunk as it was in snapshot `sequence` (ChunkStore::ReadSnapshotInto); `exists` false
  // for a chunk the copyset does not hold or that did not exist then.
  grpc::Status ReadChunkSnapshot(grpc::ServerContext* context,
                                 const ReadChunkSnapshotRequest* request,
                                 ReadChunkSnapshotResponse* response) override;
  grpc::ServerUnaryReactor* DeleteChunkSnapshot(grpc::CallbackServerContext* context,
                                                const DeleteChunkSnapshotRequest* request,
                                                DeleteChunkSnapshotResponse* response) override;
  grpc::Status JoinCopyset(grpc::ServerContext* context, const JoinCopysetRequest* request,
                           JoinCopysetResponse* response) override;

 private:
  Result<std::shared_ptr<Copyset>> Find(const ChunkAddress& address);
  // The copyset a write goes to, or why it is refused before the log.
  Result<std::shared_ptr<Copyset>> CheckWrite(const WriteChunkRequest& request);
  // Validates and proposes one write; `done` gets the applied index or why not, on the driver
  // thread (or at once for a refusal).
  void Write(const WriteChunkRequest& request, std::function<void(Result<uint64_t>)> done);
  // Proposes `op`; `done` gets the index it was applied at or the failure, on the driver thread.
  static void Propose(Copyset& copyset, std::string op, std::function<void(Result<uint64_t>)> done);
  // The raft completion of a proposal: `done` gets the index, or the apply's or raft's failure.
  static raft::IndexCallback Applied(CopysetStateMachine* machine,
                                     std::function<void(Result<uint64_t>)> done);
  // Waits until local reads of the copyset are linearizable (leader only).
  Status Barrier(Copyset& copyset);
  // The copyset a read of [offset, offset + length) of `chunk` is served from, once the read is
  // validated (512-aligned, inside the chunk), local reads are linearizable and the chunk is
  // healthy; or why not.
  Result<std::shared_ptr<Copyset>> CheckRead(const ChunkAddress& chunk, uint64_t offset,
                                             uint32_t length);
  // A chunk file missing under a chunk the copyset has is data loss, not "not found".
  static Status MissingIsDataLoss(Status read, uint64_t id, const Copyset& copyset);

  CopysetManager* const copysets_;
  ChunkStore* const store_;
};

}  // namespace curve::chunkserver
