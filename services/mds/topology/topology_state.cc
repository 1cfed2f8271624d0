// TopologyManager: heartbeats, periodic work and read-only views.
#include <algorithm>

#include "common/logging.h"
#include "services/mds/topology/cluster_map.h"
#include "services/mds/topology/topology_manager.h"

namespace curve::mds {
namespace {

uint32_t CopysetsOf(const Topology& topology, uint32_t chunkserver_id) {
  uint32_t count = 0;
  for (const auto& pool : topology.logical_pools()) {
    for (const auto& c : pool.copysets()) {
      count += std::count(c.members().begin(), c.members().end(), chunkserver_id) > 0 ? 1 : 0;
    }
  }
  return count;
}

}  // namespace

Result<HeartbeatResponse> TopologyManager::Heartbeat(const HeartbeatRequest& request) {
  std::vector<std::pair<CopysetKey, CopysetReport>> adopt;
  HeartbeatResponse response;
  {
    std::lock_guard lock(mu_);
    const Topology& topology = cached_.topology;
    const ChunkServer* cs = FindChunkServer(topology, request.chunkserver_id());
    if (cs == nullptr) {
      return NotFoundError("chunkserver_id " + std::to_string(request.chunkserver_id()) +
                           " is not registered");
    }
    if (cs->token() != request.token()) {
      return PermissionDeniedError("token does not match chunkserver " + std::to_string(cs->id()));
    }
    if (cs->state() == CHUNKSERVER_RETIRED && CopysetsOf(topology, cs->id()) == 0) {
      return FailedPreconditionError("chunkserver " + std::to_string(cs->id()) +
                                     " is retired and hosts no copysets; stop it");
    }
    Runtime& runtime = runtime_[cs->id()];
    runtime.last_seen = clock_.Now();
    runtime.capacity = request.capacity_bytes() ? request.capacity_bytes() : cs->capacity_bytes();
    runtime.used = request.used_bytes();
    runtime.reported.clear();
    std::map<CopysetKey, const Copyset*> stored;
    for (const auto& pool : topology.logical_pools()) {
      for (const auto& c : pool.copysets()) stored[{pool.id(), c.id()}] = &c;
    }
    for (const auto& report : request.copysets()) {
      CopysetKey key{report.logical_pool_id(), report.copyset_id()};
      runtime.reported.insert(key);
      if (report.is_leader()) {
        CopysetRuntime& state = copysets_[key];
        if (report.term() >= state.term) {
          state.leader = cs->id();
          state.term = report.term();
          state.applied_index = report.applied_index();
          state.unreachable.assign(report.unreachable().begin(), report.unreachable().end());
        }
        auto order = pending_.find(key);
        if (order != pending_.end() &&
            order->second.order.kind() == ConfigChangeOrder::TRANSFER_LEADER &&
            order->second.order.add().chunkserver_id() == cs->id()) {
          pending_.erase(order);
        }
      }
      auto it = stored.find(key);
      if (it == stored.end()) continue;
      const Copyset& copyset = *it->second;
      // A reported configuration is committed (raft applied it), so any member's report is the
      // truth; its epoch says whether it is newer than the stored one. Only whole copysets are
      // adopted: the 4-member step inside a replacement is skipped.
      if (report.epoch() > copyset.epoch() && report.members_size() == 3) {
        adopt.emplace_back(key, report);
        continue;
      }
      bool member = std::find(copyset.members().begin(), copyset.members().end(), cs->id()) !=
                    copyset.members().end();
      if (!member && report.epoch() <= copyset.epoch() && !BeingAddedLocked(key, cs->id())) {
        NotMemberNotice* notice = response.add_not_member();
        notice->set_logical_pool_id(key.first);
        notice->set_copyset_id(key.second);
        notice->set_epoch(copyset.epoch());
      }
    }
    // Copysets this chunkserver should host but did not report.
    for (const auto& pool : topology.logical_pools()) {
      for (const auto& c : pool.copysets()) {
        bool member =
            std::find(c.members().begin(), c.members().end(), cs->id()) != c.members().end();
        if (!member || runtime.reported.count({pool.id(), c.id()})) continue;
        CreateCopysetOrder* order = response.add_create_copysets();
        order->set_logical_pool_id(pool.id());
        order->set_copyset_id(c.id());
        for (uint32_t m : c.members()) {
          Peer* peer = order->add_peers();
          peer->set_chunkserver_id(m);
          if (const ChunkServer* other = FindChunkServer(topology, m)) {
            peer->set_address(other->host() + ":" + std::to_string(other->port()));
          }
        }
      }
    }
    for (const auto& [key, pending] : pending_) {
      auto leader = copysets_.find(key);
      if (leader != copysets_.end() && leader->second.leader == cs->id()) {
        *response.add_changes() = pending.order;
      }
    }
  }
  if (!adopt.empty()) {
    CURVE_RETURN_IF_ERROR(Mutate([&](Topology& topology) {
      for (const auto& [key, report] : adopt) {
        for (auto& pool : *topology.mutable_logical_pools()) {
          if (pool.id() != key.first) continue;
          for (auto& c : *pool.mutable_copysets()) {
            if (c.id() != key.second || c.epoch() >= report.epoch()) continue;
            c.clear_members();
            for (uint32_t m : report.members()) c.add_members(m);
            c.set_epoch(report.epoch());
          }
        }
      }
      return Status::Ok();
    }));
    std::lock_guard lock(mu_);
    for (const auto& [key, report] : adopt) {
      pending_.erase(key);
      std::string members;
      for (uint32_t m : report.members())
        members += (members.empty() ? "" : ",") + std::to_string(m);
      log::Get("mds")->info("op=CopysetChanged logical_pool={} copyset={} epoch={} members={}",
                            key.first, key.second, report.epoch(), members);
    }
  }
  return response;
}

bool TopologyManager::BeingAddedLocked(const CopysetKey& key, uint32_t chunkserver_id) const {
  auto it = pending_.find(key);
  return it != pending_.end() && it->second.order.kind() == ConfigChangeOrder::REPLACE_PEER &&
         it->second.order.add().chunkserver_id() == chunkserver_id;
}

Status TopologyManager::Tick() {
  CURVE_RETURN_IF_ERROR(Mutate([&](Topology& topology) {
    ExtendPools(topology, true);
    return Status::Ok();
  }));
  std::lock_guard lock(mu_);
  std::map<CopysetKey, uint32_t> leaders;
  for (const auto& [key, state] : copysets_) {
    if (state.leader != 0) leaders[key] = state.leader;
  }
  std::set<CopysetKey> in_flight;
  auto now = clock_.Now();
  for (auto it = pending_.begin(); it != pending_.end();) {
    const ConfigChangeOrder& order = it->second.order;
    if (order.kind() == ConfigChangeOrder::TRANSFER_LEADER) {
      it = pending_.erase(it);  // re-planned every round
    } else if (now - it->second.issued_at >= options_.scheduler.order_timeout) {
      log::Get("mds")->warn(
          "op=ScheduleTimeout logical_pool={} copyset={} remove={} add={} epoch={} "
          "err=\"not done within the order timeout; planning again\"",
          it->first.first, it->first.second, order.remove().chunkserver_id(),
          order.add().chunkserver_id(), order.epoch());
      it = pending_.erase(it);
    } else {
      in_flight.insert(it->first);
      ++it;
    }
  }
  auto orders =
      PlanChanges(cached_.topology, StatusLocked(), leaders, in_flight, options_.scheduler);
  for (const auto& order : orders) {
    CopysetKey key{order.logical_pool_id(), order.copyset_id()};
    if (order.kind() == ConfigChangeOrder::REPLACE_PEER) {
      log::Get("mds")->warn(
          "op=ScheduleReplace logical_pool={} copyset={} remove={} add={} epoch={}", key.first,
          key.second, order.remove().chunkserver_id(), order.add().chunkserver_id(), order.epoch());
    }
    pending_[key] = PendingOrder{order, now};
  }
  return Status::Ok();
}

Result<uint32_t> TopologyManager::Retire(uint32_t chunkserver_id) {
  uint32_t copysets = 0;
  bool changed = false;
  CURVE_RETURN_IF_ERROR(Mutate([&](Topology& topology) {
    ChunkServer* found = nullptr;
    for (auto& cs : *topology.mutable_chunkservers()) {
      if (cs.id() == chunkserver_id) found = &cs;
    }
    if (found == nullptr) {
      return NotFoundError("chunkserver_id " + std::to_string(chunkserver_id) +
                           " is not registered");
    }
    changed = found->state() != CHUNKSERVER_RETIRED;
    found->set_state(CHUNKSERVER_RETIRED);
    copysets = CopysetsOf(topology, chunkserver_id);
    return Status::Ok();
  }));
  if (changed) {
    log::Get("mds")->warn("op=RetireChunkServer chunkserver={} copysets_to_move={}", chunkserver_id,
                          copysets);
  }
  return copysets;
}

Topology TopologyManager::Snapshot() const {
  std::lock_guard lock(mu_);
  Topology out = cached_.topology;
  for (auto& cs : *out.mutable_chunkservers()) {
    auto it = runtime_.find(cs.id());
    if (it != runtime_.end()) {
      cs.set_used_bytes(it->second.used);
      if (it->second.capacity) cs.set_capacity_bytes(it->second.capacity);
    }
    if (cs.state() != CHUNKSERVER_RETIRED) {
      cs.set_state(OnlineLocked(cs.id()) ? CHUNKSERVER_ONLINE : CHUNKSERVER_OFFLINE);
    }
  }
  return out;
}

GetClusterHealthResponse TopologyManager::Health() const {
  Topology topology = Snapshot();
  std::lock_guard lock(mu_);
  GetClusterHealthResponse response;
  bool healthy = true;
  for (const auto& poolset : topology.poolsets()) {
    PoolsetHealth* health = response.add_poolsets();
    health->set_poolset(poolset.name());
    health->set_type(poolset.type());
    std::set<std::string> pools;
    for (const auto& pool : topology.physical_pools()) {
      if (pool.poolset() == poolset.name()) pools.insert(pool.name());
    }
    for (const auto& cs : topology.chunkservers()) {
      const Server* server = FindServer(topology, cs.server());
      if (server == nullptr || !pools.count(server->physical_pool())) continue;
      if (cs.state() == CHUNKSERVER_RETIRED) continue;
      health->set_chunkservers_total(health->chunkservers_total() + 1);
      if (cs.state() == CHUNKSERVER_ONLINE) {
        health->set_chunkservers_online(health->chunkservers_online() + 1);
      }
      health->set_capacity_bytes(health->capacity_bytes() + cs.capacity_bytes());
      health->set_used_bytes(health->used_bytes() + cs.used_bytes());
    }
    for (const auto& pool : topology.logical_pools()) {
      if (!pools.count(pool.physical_pool())) continue;
      for (const auto& c : pool.copysets()) {
        health->set_copysets_total(health->copysets_total() + 1);
        CopysetKey key{pool.id(), c.id()};
        bool ok = c.members_size() == 3;
        for (uint32_t m : c.members()) {
          auto it = runtime_.find(m);
          ok = ok && OnlineLocked(m) && it != runtime_.end() && it->second.reported.count(key);
        }
        auto leader = copysets_.find(key);
        ok = ok && leader != copysets_.end() && leader->second.leader != 0;
        if (ok) health->set_copysets_healthy(health->copysets_healthy() + 1);
      }
    }
    healthy = healthy && health->chunkservers_online() == health->chunkservers_total() &&
              health->copysets_healthy() == health->copysets_total();
  }
  response.set_healthy(healthy);
  return response;
}

Result<std::vector<PoolView>> TopologyManager::PoolsOf(const std::string& poolset) const {
  Topology topology = Snapshot();
  if (FindPoolset(topology, poolset) == nullptr) {
    return NotFoundError("poolset " + poolset + " does not exist");
  }
  std::vector<PoolView> out;
  for (const auto& pool : topology.logical_pools()) {
    const PhysicalPool* physical = FindPhysicalPool(topology, pool.physical_pool());
    if (physical == nullptr || physical->poolset() != poolset || pool.copysets_size() == 0) {
      continue;
    }
    PoolView view;
    view.id = pool.id();
    for (const auto& c : pool.copysets()) view.copysets.push_back(c.id());
    uint64_t capacity = 0, used = 0;
    for (const auto& cs : topology.chunkservers()) {
      const Server* server = FindServer(topology, cs.server());
      if (server == nullptr || server->physical_pool() != pool.physical_pool()) continue;
      capacity += cs.capacity_bytes();
      used += cs.used_bytes();
    }
    view.used_ratio = capacity == 0 ? 0 : static_cast<double>(used) / capacity;
    out.push_back(std::move(view));
  }
  return out;
}

Result<std::string> TopologyManager::LeaderAddress(const CopysetKey& key) const {
  std::lock_guard lock(mu_);
  auto it = copysets_.find(key);
  const std::string name =
      "copyset " + std::to_string(key.first) + "." + std::to_string(key.second);
  if (it == copysets_.end() || it->second.leader == 0) {
    return UnavailableError(name + " has no known leader");
  }
  const ChunkServer* cs = FindChunkServer(cached_.topology, it->second.leader);
  if (cs == nullptr || !OnlineLocked(cs->id())) {
    return UnavailableError(name + ": leader " + std::to_string(it->second.leader) + " is offline");
  }
  return cs->host() + ":" + std::to_string(cs->port());
}

std::vector<ConfigChangeOrder> TopologyManager::PendingOrders() const {
  std::lock_guard lock(mu_);
  std::vector<ConfigChangeOrder> out;
  for (const auto& [key, pending] : pending_) out.push_back(pending.order);
  return out;
}

}  // namespace curve::mds
