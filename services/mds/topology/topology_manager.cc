#include "services/mds/topology/topology_manager.h"

#include <algorithm>
#include <random>

#include "common/logging.h"
#include "services/mds/topology/cluster_map.h"
#include "services/mds/topology/placement.h"

namespace curve::mds {
namespace {

std::string NewToken() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 32; ++i) token.push_back(kHex[rng() % 16]);
  return token;
}

const Server* ServerOf(const Topology& topology, const ChunkServer& cs) {
  return FindServer(topology, cs.server());
}

}  // namespace

TopologyManager::TopologyManager(TopologyStore& store, const Clock& clock, TopologyOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

Status TopologyManager::Reload() {
  std::lock_guard write_lock(write_mu_);
  CURVE_ASSIGN_OR_RETURN(auto loaded, store_.Load());
  if (EnsureDefaultPoolset(&loaded.topology)) {
    if (loaded.topology.next_chunkserver_id() == 0) loaded.topology.set_next_chunkserver_id(1);
    if (loaded.topology.next_logical_pool_id() == 0) loaded.topology.set_next_logical_pool_id(1);
    auto saved = store_.Save(loaded.topology, loaded.version);
    if (!saved.ok() && saved.status().code() != StatusCode::kAborted) return saved.status();
    if (saved.ok()) {
      loaded.version = *saved;
    } else {
      CURVE_ASSIGN_OR_RETURN(loaded, store_.Load());
    }
  }
  std::lock_guard lock(mu_);
  cached_ = std::move(loaded);
  loaded_at_ = clock_.Now();
  runtime_.clear();
  copysets_.clear();
  pending_.clear();
  return Status::Ok();
}

Status TopologyManager::Mutate(const std::function<Status(Topology&)>& mutate) {
  std::lock_guard write_lock(write_mu_);
  for (int attempt = 0; attempt < 5; ++attempt) {
    VersionedTopology current;
    {
      std::lock_guard lock(mu_);
      current = cached_;
    }
    Topology next = current.topology;
    CURVE_RETURN_IF_ERROR(mutate(next));
    if (next.SerializeAsString() == current.topology.SerializeAsString()) return Status::Ok();
    auto saved = store_.Save(next, current.version);
    if (saved.ok()) {
      std::lock_guard lock(mu_);
      cached_.topology = std::move(next);
      cached_.version = *saved;
      return Status::Ok();
    }
    if (saved.status().code() != StatusCode::kAborted) return saved.status();
    CURVE_ASSIGN_OR_RETURN(auto reloaded, store_.Load());
    std::lock_guard lock(mu_);
    cached_ = std::move(reloaded);
  }
  return AbortedError("topology kept changing concurrently; retry");
}

Result<std::vector<std::string>> TopologyManager::Apply(const ApplyTopologyRequest& request) {
  std::vector<std::string> changes;
  if (request.dry_run()) {
    Topology copy;
    {
      std::lock_guard lock(mu_);
      copy = cached_.topology;
    }
    CURVE_RETURN_IF_ERROR(
        ApplyClusterMap(request, options_.default_copysets_per_chunkserver, &copy, &changes));
    return changes;
  }
  CURVE_RETURN_IF_ERROR(Mutate([&](Topology& topology) {
    changes.clear();
    CURVE_RETURN_IF_ERROR(
        ApplyClusterMap(request, options_.default_copysets_per_chunkserver, &topology, &changes));
    ExtendPools(topology, true);
    return Status::Ok();
  }));
  if (!changes.empty()) {
    log::Get("mds")->info("op=ApplyTopology changes={}", changes.size());
  }
  return changes;
}

Result<RegisterChunkServerResponse> TopologyManager::Register(
    const RegisterChunkServerRequest& request) {
  if (request.host().empty()) return InvalidArgumentError("host is empty");
  if (request.port() == 0 || request.port() > 65535) {
    return InvalidArgumentError("port " + std::to_string(request.port()) +
                                " is out of range [1, 65535]");
  }
  if (request.disk_path().empty() || request.disk_path()[0] != '/') {
    return InvalidArgumentError("disk_path '" + request.disk_path() + "' is not absolute");
  }
  CURVE_RETURN_IF_ERROR(ValidateName("disk_type", request.disk_type()));
  if (request.capacity_bytes() == 0) return InvalidArgumentError("capacity_bytes is 0");
  std::string address = request.host() + ":" + std::to_string(request.port());
  RegisterChunkServerResponse response;
  std::string pool_name;
  Status status = Mutate([&](Topology& topology) {
    const Server* server = FindServerByHost(topology, request.host());
    if (server == nullptr) {
      return NotFoundError("host " + request.host() +
                           " is not a server of the cluster map; apply a topology declaring it");
    }
    const PhysicalPool* pool = FindPhysicalPool(topology, server->physical_pool());
    const Poolset* poolset = pool ? FindPoolset(topology, pool->poolset()) : nullptr;
    if (poolset == nullptr) return InternalError("server " + server->name() + " has no poolset");
    std::string disk_type = NormalizeType(request.disk_type());
    if (!poolset->type().empty() && poolset->type() != disk_type) {
      return FailedPreconditionError("chunkserver " + address + " disk " + request.disk_path() +
                                     ": disk type '" + disk_type + "' does not match type '" +
                                     poolset->type() + "' of poolset " + poolset->name() +
                                     " (server " + server->name() + ", pool " + pool->name() + ")");
    }
    pool_name = pool->name();
    ChunkServer* found = nullptr;
    for (auto& cs : *topology.mutable_chunkservers()) {
      if (cs.host() == request.host() && cs.disk_path() == request.disk_path()) {
        found = &cs;
      } else if (cs.host() == request.host() && cs.port() == request.port() &&
                 cs.state() != CHUNKSERVER_RETIRED) {
        return FailedPreconditionError("address " + address + " is used by chunkserver " +
                                       std::to_string(cs.id()) + " on disk " + cs.disk_path());
      }
    }
    if (found != nullptr && found->state() == CHUNKSERVER_RETIRED) {
      return FailedPreconditionError("chunkserver " + std::to_string(found->id()) + " on " +
                                     address + " " + request.disk_path() + " is retired");
    }
    if (found == nullptr) {
      found = topology.add_chunkservers();
      if (topology.next_chunkserver_id() == 0) topology.set_next_chunkserver_id(1);
      found->set_id(topology.next_chunkserver_id());
      topology.set_next_chunkserver_id(found->id() + 1);
      found->set_token(NewToken());
      found->set_server(server->name());
      found->set_host(request.host());
      found->set_disk_path(request.disk_path());
      {
        std::lock_guard lock(mu_);
        pool_registered_at_[pool_name] = clock_.Now();
      }
    }
    found->set_port(request.port());
    found->set_disk_type(disk_type);
    found->set_capacity_bytes(request.capacity_bytes());
    response.set_chunkserver_id(found->id());
    response.set_token(found->token());
    ExtendPools(topology, true);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  std::lock_guard lock(mu_);
  Runtime& runtime = runtime_[response.chunkserver_id()];
  runtime.last_seen = clock_.Now();
  runtime.capacity = request.capacity_bytes();
  return response;
}

void TopologyManager::ExtendPools(Topology& topology, bool only_settled) const {
  auto now = clock_.Now();
  for (const auto& pool : topology.physical_pools()) {
    std::vector<PlacementNode> nodes;
    std::set<std::string> servers_with_disks;
    int servers = 0;
    for (const auto& server : topology.servers()) {
      if (server.physical_pool() == pool.name()) ++servers;
    }
    for (const auto& cs : topology.chunkservers()) {
      const Server* server = ServerOf(topology, cs);
      if (server == nullptr || server->physical_pool() != pool.name()) continue;
      if (cs.state() == CHUNKSERVER_RETIRED) continue;
      nodes.push_back({cs.id(), server->zone()});
      servers_with_disks.insert(server->name());
    }
    if (servers == 0 || static_cast<int>(servers_with_disks.size()) < servers) continue;
    if (only_settled) {
      std::lock_guard lock(mu_);
      auto it = pool_registered_at_.find(pool.name());
      if (it != pool_registered_at_.end() && now - it->second < options_.pool_settle) continue;
    }
    LogicalPool* logical = nullptr;
    for (auto& lp : *topology.mutable_logical_pools()) {
      if (lp.physical_pool() == pool.name()) logical = &lp;
    }
    size_t target = nodes.size() * std::max<uint32_t>(1, pool.copysets_per_chunkserver()) / 3;
    if (logical != nullptr && static_cast<size_t>(logical->copysets_size()) >= target) continue;
    std::vector<CopysetMembers> existing;
    if (logical != nullptr) {
      for (const auto& c : logical->copysets()) {
        if (c.members_size() == 3) existing.push_back({c.members(0), c.members(1), c.members(2)});
      }
    }
    auto planned = PlanCopysets(nodes, existing, static_cast<int>(target - existing.size()));
    if (!planned.ok()) continue;  // fewer than 3 zones: wait for more servers
    if (logical == nullptr) {
      logical = topology.add_logical_pools();
      if (topology.next_logical_pool_id() == 0) topology.set_next_logical_pool_id(1);
      logical->set_id(topology.next_logical_pool_id());
      topology.set_next_logical_pool_id(logical->id() + 1);
      logical->set_name(pool.name());
      logical->set_physical_pool(pool.name());
      logical->set_next_copyset_id(1);
    }
    for (const auto& members : *planned) {
      Copyset* copyset = logical->add_copysets();
      copyset->set_id(logical->next_copyset_id());
      logical->set_next_copyset_id(copyset->id() + 1);
      for (uint32_t m : members) copyset->add_members(m);
      copyset->set_epoch(0);  // the raft index of a founding configuration
    }
    log::Get("mds")->info("op=ExtendPool pool={} logical_pool={} copysets_added={} total={}",
                          pool.name(), logical->id(), planned->size(), logical->copysets_size());
  }
}

bool TopologyManager::OnlineLocked(uint32_t id) const {
  auto it = runtime_.find(id);
  auto last = it == runtime_.end() ? loaded_at_ : it->second.last_seen;
  return clock_.Now() - last <= options_.offline_timeout;
}

std::map<uint32_t, ChunkServerStatus> TopologyManager::StatusLocked() const {
  std::map<uint32_t, ChunkServerStatus> out;
  auto now = clock_.Now();
  for (const auto& cs : cached_.topology.chunkservers()) {
    auto it = runtime_.find(cs.id());
    auto last = it == runtime_.end() ? loaded_at_ : it->second.last_seen;
    ChunkServerStatus status;
    status.online = OnlineLocked(cs.id());
    status.offline_for = std::chrono::duration_cast<std::chrono::milliseconds>(
        now - last - options_.offline_timeout);
    out[cs.id()] = status;
  }
  // A member an online leader's raft no longer hears from is not online for scheduling (no
  // rebalancing, no new copysets on it) long before its heartbeats time out; it is replaced
  // only once it has been offline for replace_after.
  for (const auto& [key, state] : copysets_) {
    if (state.leader == 0 || !OnlineLocked(state.leader)) continue;
    for (uint32_t id : state.unreachable) {
      auto it = out.find(id);
      if (it != out.end()) it->second.online = false;
    }
  }
  return out;
}

}  // namespace curve::mds
