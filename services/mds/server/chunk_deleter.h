#pragma once

// Deletes one chunk through its copyset's leader (ChunkService.DeleteChunk, replicated by raft),
// for the garbage collection of purged volumes (NamespaceManager::CollectGarbage).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace curve::mds {

class ChunkDeleter {
 public:
  explicit ChunkDeleter(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  // OK once the chunk is gone on every replica (also when it never existed); the chunkserver's
  // error otherwise (e.g. UNAVAILABLE when `leader_address` no longer leads the copyset).
  // Thread-compatible: one caller at a time.
  Status Delete(const std::string& leader_address, uint32_t logical_pool, uint32_t copyset,
                uint64_t chunk);

 private:
  const std::chrono::milliseconds timeout_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;  // by leader address
};

}  // namespace curve::mds
