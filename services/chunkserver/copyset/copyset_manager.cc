#include "services/chunkserver/copyset/copyset_manager.h"

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "common/logging.h"
#include "proto/chunkserver/chunk.pb.h"

namespace curve::chunkserver {

namespace {

// Line format: "<pool> <copyset> [<id>=<host:port> ...]".
std::string ListPath(const std::string& data_dir) { return data_dir + "/copysets.list"; }

}  // namespace

CopysetManager::CopysetManager(std::string data_dir, raft::RaftServer* server, ChunkStore* store,
                               CopysetOptions options)
    : data_dir_(std::move(data_dir)), server_(server), store_(store), options_(options) {}

Status CopysetManager::Recover() {
  std::ifstream in(ListPath(data_dir_));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    CopysetKey key;
    if (!(fields >> key.logical_pool >> key.copyset)) {
      return DataLossError(ListPath(data_dir_) + ": malformed line '" + line + "'");
    }
    std::vector<CopysetPeer> peers;
    std::string peer;
    while (fields >> peer) {
      size_t eq = peer.find('=');
      if (eq == std::string::npos) return DataLossError(ListPath(data_dir_) + ": bad peer " + peer);
      peers.push_back({std::stoull(peer.substr(0, eq)), peer.substr(eq + 1)});
    }
    CURVE_RETURN_IF_ERROR(Host(key, peers));
    std::lock_guard lock(mu_);
    recorded_[key] = peers;
  }
  return Status::Ok();
}

Status CopysetManager::Create(const CopysetKey& key, const std::vector<CopysetPeer>& peers) {
  {
    std::lock_guard lock(mu_);
    if (copysets_.count(key)) return Status::Ok();
  }
  CURVE_RETURN_IF_ERROR(Host(key, peers));
  std::lock_guard lock(mu_);
  recorded_[key] = peers;
  log::Get("chunkserver")
      ->info("op=CreateCopyset copyset={} peers={} join={}", key.Name(), peers.size(),
             peers.empty());
  return Persist();
}

Status CopysetManager::Host(const CopysetKey& key, const std::vector<CopysetPeer>& peers) {
  auto copyset = std::make_shared<Copyset>();
  copyset->key = key;
  copyset->state_machine = std::make_unique<CopysetStateMachine>(key.Name(), store_);
  raft::GroupOptions group;
  group.id = key.group();
  for (const auto& peer : peers) {
    group.initial_members.push_back(peer.id);
    if (!peer.address.empty() && peer.id != server_->node_id()) {
      server_->SetPeerAddress(peer.id, peer.address);
    }
  }
  group.raft.election_tick = options_.election_tick;
  group.raft.heartbeat_tick = options_.heartbeat_tick;
  group.raft.read_mode = raft::ReadMode::kLeaseBased;
  group.snapshot_interval = options_.snapshot_interval;
  group.snapshot_keep_entries = options_.snapshot_keep_entries;
  group.state_machine = copyset->state_machine.get();
  // The state machine must be registered before the group can call it.
  std::lock_guard lock(mu_);
  if (copysets_.count(key)) return Status::Ok();
  CURVE_ASSIGN_OR_RETURN(copyset->group, server_->CreateGroup(group));
  copysets_[key] = std::move(copyset);
  return Status::Ok();
}

Status CopysetManager::Remove(const CopysetKey& key) {
  std::shared_ptr<Copyset> removed;
  // Chunks written by entries still in the log: after a restart the replica only replays up to
  // the commit index it had persisted, so chunks it wrote beyond that are not in the state
  // machine's list.
  std::set<ChunkId> chunks;
  auto visit = [&chunks](const raft::Entry& e) {
    ChunkOp op;
    if (e.type == raft::EntryType::kNormal && op.ParseFromString(e.data) &&
        op.kind() == ChunkOp::WRITE) {
      chunks.insert(op.chunk_id());
    }
  };
  {
    std::lock_guard lock(mu_);
    auto it = copysets_.find(key);
    if (it == copysets_.end()) return Status::Ok();
    CURVE_RETURN_IF_ERROR(server_->RemoveGroup(key.group(), true, visit));
    removed = std::move(it->second);
    copysets_.erase(it);
    recorded_.erase(key);
    CURVE_RETURN_IF_ERROR(Persist());
  }
  // The group is stopped: nothing applies to the state machine any more.
  for (ChunkId id : removed->state_machine->Chunks()) chunks.insert(id);
  size_t deleted = 0;
  for (ChunkId id : chunks) {
    Status status = store_->Delete(id);
    if (status.ok()) {
      ++deleted;
    } else if (status.code() != StatusCode::kNotFound) {
      return status.WithContext("delete chunk " + std::to_string(id) + " of removed copyset " +
                                key.Name());
    }
  }
  log::Get("chunkserver")
      ->info("op=RemoveCopyset copyset={} chunks_deleted={}", key.Name(), deleted);
  return Status::Ok();
}

std::shared_ptr<Copyset> CopysetManager::Find(const CopysetKey& key) {
  std::lock_guard lock(mu_);
  auto it = copysets_.find(key);
  return it == copysets_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Copyset>> CopysetManager::List() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Copyset>> out;
  for (auto& [key, copyset] : copysets_) out.push_back(copyset);
  return out;
}

Status CopysetManager::Persist() {
  std::string tmp = ListPath(data_dir_) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [key, peers] : recorded_) {
      out << key.logical_pool << " " << key.copyset;
      for (const auto& peer : peers) out << " " << peer.id << "=" << peer.address;
      out << "\n";
    }
    out.flush();
    if (!out) return InternalError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), ListPath(data_dir_).c_str()) != 0) {
    return InternalError("cannot rename " + tmp);
  }
  return Status::Ok();
}

}  // namespace curve::chunkserver
