#include "services/chunkserver/server/chunk_service.h"

#include <atomic>
#include <future>
#include <map>
#include <utility>
#include <vector>

#include "common/rpc/grpc_status.h"

namespace curve::chunkserver {

namespace {

grpc::Status ToGrpc(const Status& status) { return rpc::ToGrpcStatus(status); }

}  // namespace

Result<std::shared_ptr<Copyset>> ChunkServiceImpl::Find(const ChunkAddress& address) {
  CopysetKey key{address.logical_pool_id(), address.copyset_id()};
  auto copyset = copysets_->Find(key);
  if (copyset == nullptr) return NotFoundError("copyset " + key.Name() + " is not hosted here");
  return copyset;
}

raft::IndexCallback ChunkServiceImpl::Applied(CopysetStateMachine* machine,
                                              std::function<void(Result<uint64_t>)> done) {
  return [machine, done = std::move(done)](Result<raft::Index> index) {
    if (!index.ok()) {
      done(index.status());
      return;
    }
    Status applied = machine->TakeResult(*index);
    if (!applied.ok()) {
      done(applied);
    } else {
      done(uint64_t{*index});
    }
  };
}

void ChunkServiceImpl::Propose(Copyset& copyset, std::string op,
                               std::function<void(Result<uint64_t>)> done) {
  copyset.group->Propose(std::move(op), Applied(copyset.state_machine.get(), std::move(done)));
}

Status ChunkServiceImpl::Barrier(Copyset& copyset) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  copyset.group->ReadBarrier([promise](Result<raft::Index> index) {
    promise->set_value(index.ok() ? Status::Ok() : index.status());
  });
  return future.get();
}

Result<std::shared_ptr<Copyset>> ChunkServiceImpl::CheckWrite(const WriteChunkRequest& request) {
  CURVE_ASSIGN_OR_RETURN(auto copyset, Find(request.chunk()));
  const uint64_t id = request.chunk().chunk_id();
  if (Status s = copyset->state_machine->CheckHealthy(id); !s.ok()) return s;
  // Validate before the log: a write the store would refuse must not be replicated.
  const uint32_t block = 4096;
  if (request.offset() % block != 0 || request.data().size() % block != 0 ||
      request.data().empty()) {
    return InvalidArgumentError("write of " + std::to_string(request.data().size()) + " bytes at " +
                                std::to_string(request.offset()) + " is not aligned to " +
                                std::to_string(block));
  }
  if (request.offset() + request.data().size() > store_->chunk_size()) {
    return OutOfRangeError("write beyond the chunk size " + std::to_string(store_->chunk_size()));
  }
  // A chunk this write would create needs a pool file: refuse before replicating when none is
  // left (apply still catches a race with concurrent creations).
  if (!copyset->state_machine->Has(id) && store_->pool()->free_count() == 0) {
    return ResourceExhaustedError("chunk file pool is exhausted: no file left to create chunk " +
                                  std::to_string(id) + " (" + store_->ChunkPath(id) +
                                  ") of copyset " + copyset->key.Name());
  }
  // Likewise for a write that preserves the chunk (copy-on-write) before it writes.
  if (store_->WouldTakePoolFile(id, request.sequence()) && store_->pool()->free_count() == 0) {
    return ResourceExhaustedError("chunk file pool is exhausted: no file left to preserve chunk " +
                                  std::to_string(id) + " of copyset " + copyset->key.Name() +
                                  " for a write at sequence " + std::to_string(request.sequence()));
  }
  return copyset;
}

namespace {

std::string EncodeWriteOf(const WriteChunkRequest& request) {
  return CopysetStateMachine::EncodeWrite(request.chunk().chunk_id(), request.offset(),
                                          request.data(), request.sequence());
}

}  // namespace

void ChunkServiceImpl::Write(const WriteChunkRequest& request,
                             std::function<void(Result<uint64_t>)> done) {
  auto copyset = CheckWrite(request);
  if (!copyset.ok()) return done(copyset.status());
  Propose(**copyset, EncodeWriteOf(request), std::move(done));
}

grpc::ServerUnaryReactor* ChunkServiceImpl::WriteChunk(grpc::CallbackServerContext* context,
                                                       const WriteChunkRequest* request,
                                                       WriteChunkResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Write(*request, [reactor, response](Result<uint64_t> index) {
    if (index.ok()) response->set_index(*index);
    reactor->Finish(ToGrpc(index.status()));
  });
  return reactor;
}

grpc::ServerUnaryReactor* ChunkServiceImpl::WriteChunks(grpc::CallbackServerContext* context,
                                                        const WriteChunksRequest* request,
                                                        WriteChunksResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const int n = request->writes_size();
  if (n == 0) {
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  // Outcomes land in distinct, pre-allocated elements from whichever thread completes them; the
  // last one to finish answers.
  for (int i = 0; i < n; ++i) response->add_outcomes();
  auto remaining = std::make_shared<std::atomic<int>>(n);
  // The writes for one copyset reach its driver together (one Ready, one append per follower).
  std::map<Copyset*, std::pair<std::shared_ptr<Copyset>,
                               std::vector<std::pair<std::string, raft::IndexCallback>>>>
      by_copyset;
  for (int i = 0; i < n; ++i) {
    WriteOutcome* outcome = response->mutable_outcomes(i);
    auto done = [reactor, outcome, remaining](Result<uint64_t> index) {
      if (index.ok()) {
        outcome->set_index(*index);
      } else {
        grpc::Status status = ToGrpc(index.status());
        outcome->set_code(static_cast<int32_t>(status.error_code()));
        outcome->set_message(status.error_message());
      }
      if (remaining->fetch_sub(1, std::memory_order_acq_rel) == 1) {
        reactor->Finish(grpc::Status::OK);
      }
    };
    const WriteChunkRequest& write = request->writes(i);
    auto copyset = CheckWrite(write);
    if (!copyset.ok()) {
      done(copyset.status());
      continue;
    }
    auto& entry = by_copyset[copyset->get()];
    entry.first = *copyset;
    entry.second.emplace_back(EncodeWriteOf(write),
                              Applied((*copyset)->state_machine.get(), std::move(done)));
  }
  for (auto& [key, entry] : by_copyset) entry.first->group->ProposeAll(std::move(entry.second));
  return reactor;
}

Result<std::shared_ptr<Copyset>> ChunkServiceImpl::CheckRead(const ChunkAddress& chunk,
                                                             uint64_t offset, uint32_t length) {
  CURVE_ASSIGN_OR_RETURN(auto copyset, Find(chunk));
  if (offset % 512 != 0 || length % 512 != 0 || length == 0) {
    return InvalidArgumentError("read of " + std::to_string(length) + " bytes at " +
                                std::to_string(offset) + " is not aligned to 512");
  }
  if (offset + length > store_->chunk_size()) {
    return OutOfRangeError("read beyond the chunk size " + std::to_string(store_->chunk_size()));
  }
  CURVE_RETURN_IF_ERROR(Barrier(*copyset));
  CURVE_RETURN_IF_ERROR(copyset->state_machine->CheckHealthy(chunk.chunk_id()));
  return copyset;
}

Status ChunkServiceImpl::MissingIsDataLoss(Status read, uint64_t id, const Copyset& copyset) {
  if (read.code() != StatusCode::kNotFound) return read;
  return DataLossError("chunk " + std::to_string(id) + " of copyset " + copyset.key.Name() +
                       " is missing: " + read.message());
}

grpc::Status ChunkServiceImpl::ReadChunk(grpc::ServerContext*, const ReadChunkRequest* request,
                                         ReadChunkResponse* response) {
  auto copyset = CheckRead(request->chunk(), request->offset(), request->length());
  if (!copyset.ok()) return ToGrpc(copyset.status());
  const uint64_t id = request->chunk().chunk_id();
  if (!(*copyset)->state_machine->Has(id)) {
    response->set_exists(false);
    return grpc::Status::OK;
  }
  std::string* data = response->mutable_data();
  data->resize(request->length());
  Status read = store_->ReadInto(id, request->offset(), request->length(), data->data());
  if (!read.ok()) return ToGrpc(MissingIsDataLoss(read, id, **copyset));
  response->set_exists(true);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* ChunkServiceImpl::DeleteChunk(grpc::CallbackServerContext* context,
                                                        const DeleteChunkRequest* request,
                                                        DeleteChunkResponse*) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto copyset = Find(request->chunk());
  if (!copyset.ok()) {
    reactor->Finish(ToGrpc(copyset.status()));
    return reactor;
  }
  Propose(**copyset, CopysetStateMachine::EncodeDelete(request->chunk().chunk_id()),
          [reactor](Result<uint64_t> index) { reactor->Finish(ToGrpc(index.status())); });
  return reactor;
}

grpc::Status ChunkServiceImpl::GetChunkInfo(grpc::ServerContext*,
                                            const GetChunkInfoRequest* request,
                                            GetChunkInfoResponse* response) {
  auto copyset = Find(request->chunk());
  if (!copyset.ok()) return ToGrpc(copyset.status());
  if (Status s = Barrier(**copyset); !s.ok()) return ToGrpc(s);
  const uint64_t id = request->chunk().chunk_id();
  if (Status s = (*copyset)->state_machine->CheckHealthy(id); !s.ok()) return ToGrpc(s);
  if (!(*copyset)->state_machine->Has(id)) return grpc::Status::OK;
  auto info = store_->GetInfo(id);
  if (!info.ok()) return ToGrpc(info.status());
  response->set_exists(true);
  response->set_size(info->size);
  response->set_sequence(info->sequence);
  response->set_snapshot_sequence(info->snapshot_sequence);
  return grpc::Status::OK;
}

grpc::Status ChunkServiceImpl::ReadChunkSnapshot(grpc::ServerContext*,
                                                 const ReadChunkSnapshotRequest* request,
                                                 ReadChunkSnapshotResponse* response) {
  auto copyset = CheckRead(request->chunk(), request->offset(), request->length());
  if (!copyset.ok()) return ToGrpc(copyset.status());
  const uint64_t id = request->chunk().chunk_id();
  CopysetStateMachine* machine = (*copyset)->state_machine.get();
  if (Status s = machine->CheckSnapshotHealthy(id); !s.ok()) return ToGrpc(s);
  if (!machine->Has(id)) {
    response->set_exists(false);
    return grpc::Status::OK;
  }
  std::string* data = response->mutable_data();
  data->resize(request->length());
  auto exists = store_->ReadSnapshotInto(id, request->sequence(), request->offset(),
                                         request->length(), data->data());
  if (!exists.ok()) return ToGrpc(MissingIsDataLoss(exists.status(), id, **copyset));
  if (!*exists) data->clear();
  response->set_exists(*exists);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* ChunkServiceImpl::DeleteChunkSnapshot(
    grpc::CallbackServerContext* context, const DeleteChunkSnapshotRequest* request,
    DeleteChunkSnapshotResponse*) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto copyset = Find(request->chunk());
  if (!copyset.ok()) {
    reactor->Finish(ToGrpc(copyset.status()));
    return reactor;
  }
  Propose(
      **copyset,
      CopysetStateMachine::EncodeDeleteSnapshot(request->chunk().chunk_id(), request->sequence()),
      [reactor](Result<uint64_t> index) { reactor->Finish(ToGrpc(index.status())); });
  return reactor;
}

grpc::Status ChunkServiceImpl::JoinCopyset(grpc::ServerContext*, const JoinCopysetRequest* request,
                                           JoinCopysetResponse*) {
  return ToGrpc(copysets_->Create({request->logical_pool_id(), request->copyset_id()}, {}));
}

}  // namespace curve::chunkserver
