#pragma once

// ChunkServer: the composition root of curve-chunkserver. Opens the disk's ChunkStore, learns
// its chunkserver id (recorded, else by registering with the MDS), starts the multi-raft runtime
// with the recorded copysets, serves the raft transport and the chunk RPCs on one gRPC port, and
// runs the heartbeat loop.

#include <memory>

#include "common/result.h"
#include "services/chunkserver/server/chunk_server_options.h"

namespace curve::rpc {
class GrpcServer;
}  // namespace curve::rpc
namespace curve::mds {
class MdsClient;
}  // namespace curve::mds

namespace curve::chunkserver {

class ChunkServiceImpl;
class Heartbeat;

class ChunkServer {
 public:
  static Result<std::unique_ptr<ChunkServer>> Start(const ChunkServerOptions& options);
  ~ChunkServer();

  uint32_t id() const { return id_; }
  const std::string& address() const { return options_.listen; }

  // Waits for SIGTERM/SIGINT (blocked beforehand), then stops.
  void RunUntilSignal();
  void Shutdown();

 private:
  explicit ChunkServer(ChunkServerOptions options);
  Status Init();

  const ChunkServerOptions options_;
  uint32_t id_ = 0;
  std::unique_ptr<ChunkStore> store_;
  std::unique_ptr<mds::MdsClient> mds_;
  std::unique_ptr<raft::RaftServer> raft_;
  std::unique_ptr<CopysetManager> copysets_;
  std::unique_ptr<ChunkServiceImpl> service_;
  std::unique_ptr<rpc::GrpcServer> server_;
  std::unique_ptr<Heartbeat> heartbeat_;
};

}  // namespace curve::chunkserver
