#include "services/chunkserver/server/heartbeat.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <future>

#include "common/logging.h"
#include "common/rpc/grpc_status.h"
#include "common/rpc/retry.h"
#include "proto/chunkserver/chunk.grpc.pb.h"
#include "proto/mds/heartbeat.grpc.pb.h"

namespace curve::chunkserver {

namespace {

std::string IdPath(const std::string& data_dir) { return data_dir + "/chunkserver.id"; }

}  // namespace

Heartbeat::~Heartbeat() { Stop(); }

Result<Registration> Heartbeat::ReadRecorded(const std::string& data_dir) {
  std::ifstream in(IdPath(data_dir));
  Registration r;
  if (!in) return NotFoundError(IdPath(data_dir) + " does not exist");
  if (!(in >> r.id >> r.token) || r.id == 0)
    return DataLossError(IdPath(data_dir) + " is malformed");
  return r;
}

Result<Registration> Heartbeat::Register(const mds::RegisterChunkServerRequest& request) {
  mds::RegisterChunkServerResponse response;
  CURVE_RETURN_IF_ERROR(
      mds_->Call("RegisterChunkServer", [&](const auto& channel, grpc::ClientContext& context) {
        return mds::ChunkServerRegistry::NewStub(channel)->RegisterChunkServer(&context, request,
                                                                               &response);
      }));
  Registration r{response.chunkserver_id(), response.token()};
  auto recorded = ReadRecorded(data_dir_);
  if (recorded.ok() && recorded->id != r.id) {
    return FailedPreconditionError("the MDS registered " + data_dir_ + " as chunkserver " +
                                   std::to_string(r.id) + " but it was chunkserver " +
                                   std::to_string(recorded->id));
  }
  std::string tmp = IdPath(data_dir_) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << r.id << " " << r.token << "\n";
    if (!out.flush()) return InternalError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), IdPath(data_dir_).c_str()) != 0) {
    return InternalError("cannot rename " + tmp);
  }
  return r;
}

void Heartbeat::Start(Registration registration, CopysetManager* copysets,
                      raft::RaftServer* server) {
  registration_ = std::move(registration);
  copysets_ = copysets;
  server_ = server;
  thread_ = std::thread([this] { Loop(); });
}

void Heartbeat::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<Worker> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (auto& w : workers) w.thread.join();
}

void Heartbeat::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    if (Status s = Beat(); !s.ok()) {
      log::Get("chunkserver")->warn("op=Heartbeat err={}", s.ToString());
    }
    lock.lock();
    cv_.wait_for(lock, interval_, [&] { return stop_; });
  }
}

Status Heartbeat::Beat() {
  mds::HeartbeatRequest request;
  request.set_chunkserver_id(registration_.id);
  request.set_token(registration_.token);
  const ChunkStore::Space space = store_->ChunkSpace();
  request.set_capacity_bytes(space.capacity_bytes);
  request.set_used_bytes(space.used_bytes);
  std::map<CopysetKey, Reported> reported;
  std::map<raft::GroupId, raft::GroupStatus> statuses = server_->GetStatuses();
  for (const auto& copyset : copysets_->List()) {
    auto found = statuses.find(copyset->group->id());
    if (found == statuses.end()) continue;
    const raft::GroupStatus* status = &found->second;
    auto* report = request.add_copysets();
    report->set_logical_pool_id(copyset->key.logical_pool);
    report->set_copyset_id(copyset->key.copyset);
    report->set_is_leader(status->role == raft::Role::kLeader);
    report->set_term(status->term);
    report->set_applied_index(status->applied);
    for (raft::NodeId id : status->applied_config.voters) {
      report->add_members(static_cast<uint32_t>(id));
    }
    report->set_epoch(status->applied_config_index);
    for (const auto& peer : status->peers) {
      if (peer.id != server_->node_id() && !peer.recent_active) {
        report->add_unreachable(static_cast<uint32_t>(peer.id));
      }
    }
    reported[copyset->key] = {
        status->applied_config_index,
        !status->applied_config.empty() && !status->applied_config.Contains(server_->node_id())};
    std::lock_guard lock(mu_);
    report->set_change_in_progress(changing_.count(copyset->key) > 0);
  }
  mds::HeartbeatResponse response;
  CURVE_RETURN_IF_ERROR(
      mds_->Call("Heartbeat", [&](const auto& channel, grpc::ClientContext& context) {
        return mds::ChunkServerRegistry::NewStub(channel)->Heartbeat(&context, request, &response);
      }));
  Execute(response, reported);
  return Status::Ok();
}

void Heartbeat::Execute(const mds::HeartbeatResponse& response,
                        const std::map<CopysetKey, Reported>& reported) {
  auto logger = log::Get("chunkserver");
  for (const auto& notice : response.not_member()) {
    CopysetKey key{notice.logical_pool_id(), notice.copyset_id()};
    auto it = reported.find(key);
    if (it == reported.end()) continue;
    // The MDS knows a configuration without this chunkserver; act on it only when it is newer
    // than what this replica applied, or when the replica's own configuration agrees.
    if (it->second.epoch >= notice.epoch() && !it->second.outside) continue;
    {
      std::lock_guard lock(mu_);
      if (changing_.count(key)) continue;
    }
    logger->info("op=RemoveCopyset copyset={} epoch={} mds_epoch={} reason=not_a_member",
                 key.Name(), it->second.epoch, notice.epoch());
    if (Status s = copysets_->Remove(key); !s.ok()) {
      logger->warn("op=RemoveCopyset copyset={} err={}", key.Name(), s.ToString());
    }
  }
  for (const auto& order : response.create_copysets()) {
    CopysetKey key{order.logical_pool_id(), order.copyset_id()};
    std::vector<CopysetPeer> peers;
    for (const auto& p : order.peers()) peers.push_back({p.chunkserver_id(), p.address()});
    if (Status s = copysets_->Create(key, peers); !s.ok()) {
      logger->warn("op=CreateCopyset copyset={} err={}", key.Name(), s.ToString());
    }
  }
  for (const auto& order : response.changes()) {
    CopysetKey key{order.logical_pool_id(), order.copyset_id()};
    auto copyset = copysets_->Find(key);
    if (copyset == nullptr) continue;
    if (order.kind() == mds::ConfigChangeOrder::TRANSFER_LEADER) {
      server_->SetPeerAddress(order.add().chunkserver_id(), order.add().address());
      copyset->group->TransferLeader(order.add().chunkserver_id(), [logger, key](Status s) {
        if (!s.ok()) logger->warn("op=TransferLeader copyset={} err={}", key.Name(), s.ToString());
      });
    } else if (order.kind() == mds::ConfigChangeOrder::REPLACE_PEER) {
      std::lock_guard lock(mu_);
      ReapWorkersLocked();
      if (stop_ || !changing_.insert(key).second) continue;
      auto done = std::make_shared<std::atomic<bool>>(false);
      workers_.push_back({std::thread([this, copyset, order, done] {
                            Replace(copyset, order);
                            *done = true;
                          }),
                          done});
    }
  }
}

void Heartbeat::ReapWorkersLocked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (*it->done) {
      it->thread.join();  // returns at once: the worker is past its last statement
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void Heartbeat::Replace(std::shared_ptr<Copyset> copyset, const mds::ConfigChangeOrder& order) {
  auto logger = log::Get("chunkserver");
  const CopysetKey key = copyset->key;
  logger->info("op=ReplacePeer copyset={} add={} remove={} epoch={}", key.Name(),
               order.add().chunkserver_id(), order.remove().chunkserver_id(), order.epoch());
  // Idempotent: an order repeated after it finished, or half-way (added, not yet removed),
  // does only what is left.
  Status status;
  auto group = copyset->group->GetStatus();
  if (!group.ok()) status = group.status();
  bool add = group.ok() && !group->config.Contains(order.add().chunkserver_id());
  bool remove = group.ok() && group->config.Contains(order.remove().chunkserver_id());
  if (group.ok() && add && !remove) {
    status = FailedPreconditionError(
        "stale order: " + std::to_string(order.remove().chunkserver_id()) +
        " is no member any more and " + std::to_string(order.add().chunkserver_id()) + " is none");
  }
  if (status.ok() && add) {
    // The new member must host the group (empty) before the leader can add it.
    ChunkService::Stub stub(rpc::MakeChannel(order.add().address()));
    JoinCopysetRequest join;
    join.set_logical_pool_id(key.logical_pool);
    join.set_copyset_id(key.copyset);
    JoinCopysetResponse joined;
    rpc::RetryPolicy policy;
    policy.total_timeout = std::chrono::seconds(10);
    status = rpc::CallWithRetry(policy, "JoinCopyset", [&](grpc::ClientContext& context) {
      return stub.JoinCopyset(&context, join, &joined);
    });
  }
  if (status.ok() && (add || remove)) {
    raft::PeerChange change;
    change.kind = add ? raft::PeerChange::Kind::kReplace : raft::PeerChange::Kind::kRemove;
    change.node = add ? order.add().chunkserver_id() : order.remove().chunkserver_id();
    change.address = add ? order.add().address() : "";
    change.old_node = order.remove().chunkserver_id();
    auto promise = std::make_shared<std::promise<Status>>();
    auto future = promise->get_future();
    copyset->group->ChangePeers(change, [promise](Result<raft::Index> index) {
      promise->set_value(index.ok() ? Status::Ok() : index.status());
    });
    // A new member catches up through a snapshot carrying the chunk files: allow for that.
    status = future.get();
  }
  if (status.ok()) {
    logger->info("op=ReplacePeer copyset={} done", key.Name());
  } else {
    logger->warn("op=ReplacePeer copyset={} err={}", key.Name(), status.ToString());
  }
  std::lock_guard lock(mu_);
  changing_.erase(key);
}

}  // namespace curve::chunkserver
