#include "tests/cluster/local_cluster.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/fs/posix_file_system.h"
#include "proto/mds/namespace.grpc.pb.h"
#include "proto/mds/topology.grpc.pb.h"
#include "services/chunkserver/datastore/chunk_store.h"
#include "services/chunkserver/datastore/file_pool.h"
#include "services/mds/client/mds_client.h"
#include "services/mds/testing/mds_process.h"

namespace curve::testing {

namespace {

std::string Millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

std::string SelfDir() {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return ".";
  std::string path(self, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  return text.size() > 1500 ? text.substr(text.size() - 1500) : text;
}

std::string HostOf(size_t poolset, int zone) {
  return "127.0." + std::to_string(poolset) + "." + std::to_string(zone + 1);
}

std::unique_ptr<mds::MdsClient> Client(const std::vector<std::string>& addresses) {
  mds::MdsClientOptions options;
  options.addresses = addresses;
  return std::move(mds::MdsClient::Create(options)).value();
}

}  // namespace

Result<std::unique_ptr<LocalCluster>> LocalCluster::Start(const LocalClusterOptions& options) {
  std::unique_ptr<LocalCluster> cluster(new LocalCluster(options));
  CURVE_RETURN_IF_ERROR(cluster->Init());
  return cluster;
}

LocalCluster::LocalCluster(LocalClusterOptions options) : options_(std::move(options)) {}

LocalCluster::~LocalCluster() {
  for (auto& cs : chunkservers_) {
    if (cs.process) cs.process->Kill(SIGKILL);
  }
  mds_.clear();
  etcd_.reset();
}

Status LocalCluster::Init() {
  bin_dir_ = options_.bin_dir.empty() ? SelfDir() : options_.bin_dir;
  if (options_.base_dir.empty()) {
    temp_ = std::make_unique<TempDir>();
    dir_ = temp_->path();
  } else {
    dir_ = options_.base_dir;
    std::filesystem::create_directories(dir_);
  }
  CURVE_ASSIGN_OR_RETURN(etcd_, EtcdProcess::Start());
  for (int i = 0; i < 3; ++i) {
    mds::testing::MdsProcessOptions mds;
    mds.binary = mds::testing::FindMdsBinary(bin_dir_ + "/curve-mds");
    if (access(mds.binary.c_str(), X_OK) != 0) mds.binary = bin_dir_ + "/curve-mds";
    mds.etcd_endpoint = etcd_->endpoint();
    mds.log_path = dir_ + "/mds" + std::to_string(i) + ".log";
    mds.extra_flags = {
        "--namespace.chunkSize=" + std::to_string(options_.chunk_size),
        "--namespace.segmentSize=" + std::to_string(options_.segment_size),
        "--namespace.minVolumeSize=" + std::to_string(options_.chunk_size),
        "--topology.offlineTimeout=" + Millis(options_.offline_timeout),
        "--topology.replaceAfter=" + Millis(options_.replace_after),
        "--topology.maxConcurrentChanges=" + std::to_string(options_.max_concurrent_changes)};
    CURVE_ASSIGN_OR_RETURN(auto process, mds::testing::MdsProcess::Start(mds));
    mds_addresses_.push_back(process->address());
    mds_.push_back(std::move(process));
  }
  CURVE_RETURN_IF_ERROR(ApplyTopology());
  for (int i = 0; i < options_.chunkservers; ++i) {
    CURVE_RETURN_IF_ERROR(FormatChunkServer(i % 3, static_cast<size_t>(i / 3)));
  }
  for (int i = 0; i < options_.chunkservers; ++i) CURVE_RETURN_IF_ERROR(LaunchChunkServer(i));
  return WaitHealthy(std::chrono::seconds(60));
}

Status LocalCluster::FormatChunkServer(int zone, size_t group) {
  ChunkServerProcess cs;
  size_t poolset = group % options_.poolsets.size();
  cs.poolset = options_.poolsets[poolset];
  cs.data_dir = dir_ + "/cs" + std::to_string(chunkservers_.size());
  cs.address = HostOf(poolset, zone) + ":" + std::to_string(PickFreePort());
  chunkserver::FormatOptions format;
  format.chunk_size = options_.chunk_size;
  format.chunk_count = options_.chunks_per_disk;
  fs::PosixFileSystem fs;
  CURVE_RETURN_IF_ERROR(chunkserver::FilePool::Format(cs.data_dir, format, &fs));
  chunkservers_.push_back(std::move(cs));
  return Status::Ok();
}

Result<int> LocalCluster::AddChunkServer(int zone) {
  CURVE_RETURN_IF_ERROR(FormatChunkServer(zone, 0));
  int i = static_cast<int>(chunkservers_.size()) - 1;
  CURVE_RETURN_IF_ERROR(LaunchChunkServer(i));
  return i;
}

Status LocalCluster::ApplyTopology() {
  mds::ApplyTopologyRequest request;
  for (size_t p = 0; p < options_.poolsets.size(); ++p) {
    const std::string& name = options_.poolsets[p];
    auto* poolset = request.add_poolsets();
    poolset->set_name(name);
    poolset->set_type(name);
    auto* pool = request.add_physical_pools();
    pool->set_name("pool-" + name);
    pool->set_poolset(name);
    pool->set_copysets_per_chunkserver(static_cast<uint32_t>(options_.copysets_per_chunkserver));
    for (int z = 0; z < 3; ++z) {
      auto* server = request.add_servers();
      server->set_name(name + "-server" + std::to_string(z));
      server->set_host(HostOf(p, z));
      server->set_zone("zone" + std::to_string(z));
      server->set_physical_pool("pool-" + name);
    }
  }
  mds::ApplyTopologyResponse response;
  auto client = Client(mds_addresses_);
  return client->Call("ApplyTopology", [&](const auto& channel, grpc::ClientContext& c) {
    return mds::TopologyService::NewStub(channel)->ApplyTopology(&c, request, &response);
  });
}

Status LocalCluster::LaunchChunkServer(int i) {
  ChunkServerProcess& cs = chunkservers_[i];
  std::vector<std::string> argv = {
      bin_dir_ + "/curve-chunkserver",
      "--dataDir=" + cs.data_dir,
      "--listen=" + cs.address,
      "--mds.addresses=" + mds_addresses(),
      "--diskType=" + cs.poolset,
      "--heartbeatInterval=" + Millis(options_.heartbeat),
      "--raft.tick=" + Millis(options_.raft_tick),
      std::string("--raft.sync=") + (options_.raft_sync ? "true" : "false"),
      "--copyset.electionTick=" + std::to_string(options_.election_tick),
      "--log-level=info"};
  argv.insert(argv.end(), options_.chunkserver_flags.begin(), options_.chunkserver_flags.end());
  std::string log = cs.data_dir + ".log";
  CURVE_ASSIGN_OR_RETURN(auto process, Subprocess::Start(argv, log));
  auto line = process.ReadLine(std::chrono::seconds(60));
  if (!line.has_value() || line->rfind("READY id=", 0) != 0) {
    process.Kill(SIGKILL);
    return UnavailableError("curve-chunkserver " + cs.data_dir +
                            " did not start: " + line.value_or("") + " " + Tail(log));
  }
  cs.id = static_cast<uint32_t>(std::stoul(line->substr(9)));
  cs.process = std::make_unique<Subprocess>(std::move(process));
  return Status::Ok();
}

std::string LocalCluster::mds_addresses() const {
  std::string out;
  for (const auto& a : mds_addresses_) out += (out.empty() ? "" : ",") + a;
  return out;
}

int LocalCluster::IndexOf(const std::string& address) const {
  for (size_t i = 0; i < chunkservers_.size(); ++i) {
    if (chunkservers_[i].address == address) return static_cast<int>(i);
  }
  return -1;
}

pid_t LocalCluster::chunkserver_pid(int i) const {
  return chunkservers_[i].process ? chunkservers_[i].process->pid() : -1;
}

size_t LocalCluster::PoolFileCount(int i) const {
  std::error_code error;
  size_t count = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(chunkservers_[i].data_dir + "/chunkfilepool", error)) {
    if (entry.path().extension() != ".tmp") ++count;
  }
  return count;
}

void LocalCluster::KillChunkServer(int i) {
  if (chunkservers_[i].process) chunkservers_[i].process->Kill(SIGKILL);
  chunkservers_[i].process.reset();
}

Status LocalCluster::RestartChunkServer(int i) {
  KillChunkServer(i);
  return LaunchChunkServer(i);
}

Status LocalCluster::CreateVolume(const std::string& user, const std::string& path, uint64_t size,
                                  const std::string& poolset) {
  mds::CreateFileRequest request;
  request.set_user(user);
  request.set_path(path);
  request.set_type(mds::FILE_TYPE_VOLUME);
  request.set_size(size);
  request.set_poolset(poolset.empty() ? options_.poolsets.front() : poolset);
  mds::CreateFileResponse response;
  auto client = Client(mds_addresses_);
  return client->Call("CreateFile", [&](const auto& channel, grpc::ClientContext& c) {
    return mds::NamespaceService::NewStub(channel)->CreateFile(&c, request, &response);
  });
}

Status LocalCluster::DeleteVolume(const std::string& user, const std::string& path, bool purge) {
  mds::DeleteFileRequest request;
  request.set_user(user);
  request.set_path(path);
  request.set_purge(purge);
  mds::DeleteFileResponse response;
  auto client = Client(mds_addresses_);
  return client->Call("DeleteFile", [&](const auto& channel, grpc::ClientContext& c) {
    return mds::NamespaceService::NewStub(channel)->DeleteFile(&c, request, &response);
  });
}

Status LocalCluster::PurgeRecycled(const std::string& user, const std::string& path) {
  auto client = Client(mds_addresses_);
  mds::ListRecycleBinRequest list;
  list.set_user(user);
  mds::ListRecycleBinResponse recycled;
  CURVE_RETURN_IF_ERROR(
      client->Call("ListRecycleBin", [&](const auto& channel, grpc::ClientContext& c) {
        return mds::NamespaceService::NewStub(channel)->ListRecycleBin(&c, list, &recycled);
      }));
  for (const auto& file : recycled.files()) {
    if (file.path() != path) continue;
    mds::PurgeFileRequest request;
    request.set_user(user);
    request.set_file_id(file.id());
    mds::PurgeFileResponse response;
    return client->Call("PurgeFile", [&](const auto& channel, grpc::ClientContext& c) {
      return mds::NamespaceService::NewStub(channel)->PurgeFile(&c, request, &response);
    });
  }
  return NotFoundError(path + " is not in the recycle bin of " + user);
}

Result<std::map<uint64_t, std::string>> LocalCluster::ReadChunkFiles(int i) const {
  chunkserver::ChunkStoreOptions options;
  options.data_dir = chunkservers_[i].data_dir;
  CURVE_ASSIGN_OR_RETURN(auto store, chunkserver::ChunkStore::Open(options));
  std::map<uint64_t, std::string> chunks;
  for (const auto& info : store->ListChunks()) {
    CURVE_ASSIGN_OR_RETURN(chunks[info.id], store->Read(info.id, 0, info.size));
  }
  return chunks;
}

Result<mds::Topology> LocalCluster::GetTopology() const {
  mds::GetTopologyResponse response;
  auto client = Client(mds_addresses_);
  CURVE_RETURN_IF_ERROR(
      client->Call("GetTopology", [&](const auto& channel, grpc::ClientContext& c) {
        return mds::TopologyService::NewStub(channel)->GetTopology(&c, {}, &response);
      }));
  return response.topology();
}

Result<mds::GetClusterHealthResponse> LocalCluster::GetHealth() const {
  mds::GetClusterHealthResponse response;
  auto client = Client(mds_addresses_);
  CURVE_RETURN_IF_ERROR(
      client->Call("GetClusterHealth", [&](const auto& channel, grpc::ClientContext& c) {
        return mds::TopologyService::NewStub(channel)->GetClusterHealth(&c, {}, &response);
      }));
  return response;
}

Status LocalCluster::WaitHealthy(std::chrono::milliseconds timeout) {
  auto client = Client(mds_addresses_);
  mds::GetClusterHealthResponse last;
  Status status;
  bool healthy = PollUntil(
      [&] {
        last.Clear();
        status = client->Call("GetClusterHealth", [&](const auto& channel, grpc::ClientContext& c) {
          return mds::TopologyService::NewStub(channel)->GetClusterHealth(&c, {}, &last);
        });
        if (!status.ok() || !last.healthy()) return false;
        uint32_t copysets = 0;
        for (const auto& p : last.poolsets()) copysets += p.copysets_total();
        return copysets > 0;
      },
      timeout);
  if (healthy) return Status::Ok();
  return DeadlineExceededError(
      "cluster not healthy after " +
      Millis(std::chrono::duration_cast<std::chrono::milliseconds>(timeout)) + ": " +
      (status.ok() ? last.ShortDebugString() : status.ToString()));
}

}  // namespace curve::testing
