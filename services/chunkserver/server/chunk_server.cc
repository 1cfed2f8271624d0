#include "services/chunkserver/server/chunk_server.h"

#include "common/logging.h"
#include "common/rpc/server.h"
#include "services/chunkserver/server/chunk_service.h"
#include "services/chunkserver/server/heartbeat.h"

namespace curve::chunkserver {

Result<std::unique_ptr<ChunkServer>> ChunkServer::Start(const ChunkServerOptions& options) {
  std::unique_ptr<ChunkServer> server(new ChunkServer(options));
  CURVE_RETURN_IF_ERROR(server->Init());
  return server;
}

ChunkServer::ChunkServer(ChunkServerOptions options) : options_(std::move(options)) {}

ChunkServer::~ChunkServer() { Shutdown(); }

Status ChunkServer::Init() {
  auto logger = log::Get("chunkserver");
  ChunkStoreOptions store_options;
  store_options.data_dir = options_.data_dir;
  store_options.direct_io = options_.direct_io;
  CURVE_ASSIGN_OR_RETURN(store_, ChunkStore::Open(store_options));
  for (const Status& problem : store_->Problems()) {
    logger->error("op=Open err={}", problem.ToString());
  }
  mds::MdsClientOptions mds_options;
  mds_options.addresses = options_.mds_addresses;
  mds_options.total_timeout = std::chrono::seconds(60);
  CURVE_ASSIGN_OR_RETURN(mds_, mds::MdsClient::Create(mds_options));
  heartbeat_ = std::make_unique<Heartbeat>(mds_.get(), options_.data_dir, store_.get(),
                                           options_.heartbeat_interval);

  size_t colon = options_.listen.rfind(':');
  mds::RegisterChunkServerRequest request;
  request.set_host(options_.listen.substr(0, colon));
  request.set_port(static_cast<uint32_t>(std::stoul(options_.listen.substr(colon + 1))));
  request.set_disk_path(options_.data_dir);
  request.set_disk_type(options_.disk_type);
  request.set_capacity_bytes(store_->ChunkSpace().capacity_bytes);
  Registration registration;
  auto recorded = Heartbeat::ReadRecorded(options_.data_dir);
  if (recorded.ok()) {
    registration = *recorded;
    // Re-register in the background of the heartbeats: the MDS may be down at restart.
    if (auto again = heartbeat_->Register(request); !again.ok()) {
      logger->warn("op=Register err={}", again.status().ToString());
    }
  } else if (recorded.status().code() == StatusCode::kNotFound) {
    CURVE_ASSIGN_OR_RETURN(registration, heartbeat_->Register(request));
  } else {
    return recorded.status();
  }
  id_ = registration.id;

  raft::RaftServerOptions raft_options;
  raft_options.node_id = id_;
  raft_options.listen_address = "";
  raft_options.advertise_address = options_.listen;
  raft_options.data_dir = options_.data_dir + "/raft";
  raft_options.sync = options_.raft_sync;
  raft_options.driver_threads = options_.driver_threads;
  raft_options.tick_interval = options_.raft_tick;
  CURVE_ASSIGN_OR_RETURN(raft_, raft::RaftServer::Start(raft_options));
  copysets_ = std::make_unique<CopysetManager>(options_.data_dir, raft_.get(), store_.get(),
                                               options_.copyset);
  CURVE_RETURN_IF_ERROR(copysets_->Recover());
  service_ = std::make_unique<ChunkServiceImpl>(copysets_.get(), store_.get());
  rpc::ServerOptions server_options;
  server_options.address = options_.listen;
  server_options.shutdown_grace = std::chrono::seconds(1);
  server_options.raw_protocols.push_back(raft_->raw_protocol());
  CURVE_ASSIGN_OR_RETURN(
      server_, rpc::GrpcServer::Start(server_options, {raft_->service(), service_.get()}));
  heartbeat_->Start(registration, copysets_.get(), raft_.get());
  logger->info("op=Start id={} address={} copysets={}", id_, options_.listen,
               copysets_->List().size());
  return Status::Ok();
}

void ChunkServer::RunUntilSignal() {
  server_->RunUntilSignal();
  Shutdown();
}

void ChunkServer::Shutdown() {
  if (heartbeat_) heartbeat_->Stop();
  if (raft_) raft_->Shutdown();
  if (server_) server_->Shutdown();
}

}  // namespace curve::chunkserver
