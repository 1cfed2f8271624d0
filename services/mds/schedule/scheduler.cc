#include "services/mds/schedule/scheduler.h"

#include <algorithm>

#include "services/mds/topology/cluster_map.h"
#include "services/mds/topology/placement.h"

namespace curve::mds {
namespace {

Peer MakePeer(const Topology& topology, uint32_t id) {
  Peer peer;
  peer.set_chunkserver_id(id);
  if (const ChunkServer* cs = FindChunkServer(topology, id)) {
    peer.set_address(cs->host() + ":" + std::to_string(cs->port()));
  }
  return peer;
}

std::string ZoneOf(const Topology& topology, uint32_t id) {
  const ChunkServer* cs = FindChunkServer(topology, id);
  if (cs == nullptr) return "";
  const Server* server = FindServer(topology, cs->server());
  return server == nullptr ? "" : server->zone();
}

bool Online(const std::map<uint32_t, ChunkServerStatus>& status, uint32_t id) {
  auto it = status.find(id);
  return it != status.end() && it->second.online;
}

}  // namespace

std::vector<ConfigChangeOrder> PlanChanges(const Topology& topology,
                                           const std::map<uint32_t, ChunkServerStatus>& status,
                                           const std::map<CopysetKey, uint32_t>& leaders,
                                           const std::set<CopysetKey>& in_flight,
                                           const SchedulerOptions& options) {
  std::vector<ConfigChangeOrder> orders;
  int budget = options.max_concurrent_changes - static_cast<int>(in_flight.size());
  std::map<uint32_t, int> copysets_of;
  for (const auto& pool : topology.logical_pools()) {
    for (const auto& cs : pool.copysets()) {
      for (uint32_t m : cs.members()) ++copysets_of[m];
    }
  }
  for (const auto& pool : topology.logical_pools()) {
    // Candidates: online, non-retired chunkservers of this pool.
    std::vector<PlacementNode> candidates;
    for (const auto& cs : topology.chunkservers()) {
      const Server* server = FindServer(topology, cs.server());
      if (server == nullptr || server->physical_pool() != pool.physical_pool()) continue;
      if (cs.state() == CHUNKSERVER_RETIRED || !Online(status, cs.id())) continue;
      candidates.push_back({cs.id(), server->zone()});
    }
    for (const auto& copyset : pool.copysets()) {
      CopysetKey key{pool.id(), copyset.id()};
      if (budget <= 0 || in_flight.count(key)) continue;
      for (uint32_t member : copyset.members()) {
        auto it = status.find(member);
        const ChunkServer* cs = FindChunkServer(topology, member);
        bool retired = cs != nullptr && cs->state() == CHUNKSERVER_RETIRED;
        bool dead = it == status.end()
                        ? false
                        : (!it->second.online && it->second.offline_for >= options.replace_after);
        if (!dead && !retired) continue;
        auto leader = leaders.find(key);
        if (retired && leader != leaders.end() && leader->second == member &&
            Online(status, member)) {
          // Hand leadership to another online member before the retiree is removed.
          for (uint32_t m : copyset.members()) {
            const ChunkServer* other = FindChunkServer(topology, m);
            if (m == member || !Online(status, m) || other == nullptr ||
                other->state() == CHUNKSERVER_RETIRED) {
              continue;
            }
            ConfigChangeOrder order;
            order.set_logical_pool_id(pool.id());
            order.set_copyset_id(copyset.id());
            order.set_kind(ConfigChangeOrder::TRANSFER_LEADER);
            *order.mutable_add() = MakePeer(topology, m);
            order.set_epoch(copyset.epoch());
            orders.push_back(order);
            --budget;
            break;
          }
          break;
        }
        if (leader == leaders.end() || leader->second == member ||
            !Online(status, leader->second)) {
          break;  // a replacement needs a live leader to drive it
        }
        std::vector<PlacementNode> members;
        for (uint32_t m : copyset.members()) members.push_back({m, ZoneOf(topology, m)});
        std::vector<int> counts;
        for (const auto& c : candidates) counts.push_back(copysets_of[c.id]);
        auto pick = PickReplacement(candidates, counts, members, member);
        if (!pick.ok()) break;
        ConfigChangeOrder order;
        order.set_logical_pool_id(pool.id());
        order.set_copyset_id(copyset.id());
        order.set_kind(ConfigChangeOrder::REPLACE_PEER);
        *order.mutable_add() = MakePeer(topology, *pick);
        *order.mutable_remove() = MakePeer(topology, member);
        order.set_epoch(copyset.epoch());
        orders.push_back(order);
        ++copysets_of[*pick];
        --budget;
        break;
      }
    }
    // Leader balance among online members of this pool.
    std::map<uint32_t, int> led;
    for (const auto& c : candidates) led[c.id] = 0;
    for (const auto& copyset : pool.copysets()) {
      auto it = leaders.find({pool.id(), copyset.id()});
      if (it != leaders.end() && led.count(it->second)) ++led[it->second];
    }
    for (int round = 0; round < options.max_leader_transfers && led.size() > 1; ++round) {
      auto max_it = std::max_element(
          led.begin(), led.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
      auto min_it = std::min_element(
          led.begin(), led.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
      if (max_it->second - min_it->second <= options.leader_imbalance) break;
      bool moved = false;
      for (const auto& copyset : pool.copysets()) {
        CopysetKey key{pool.id(), copyset.id()};
        auto it = leaders.find(key);
        if (it == leaders.end() || it->second != max_it->first || in_flight.count(key)) continue;
        bool already = std::any_of(orders.begin(), orders.end(), [&](const auto& o) {
          return o.logical_pool_id() == key.first && o.copyset_id() == key.second;
        });
        if (already) continue;
        uint32_t target = 0;
        int best = max_it->second - 1;
        for (uint32_t m : copyset.members()) {
          if (m != max_it->first && led.count(m) && led[m] < best) {
            best = led[m];
            target = m;
          }
        }
        if (target == 0) continue;
        ConfigChangeOrder order;
        order.set_logical_pool_id(pool.id());
        order.set_copyset_id(copyset.id());
        order.set_kind(ConfigChangeOrder::TRANSFER_LEADER);
        *order.mutable_add() = MakePeer(topology, target);
        order.set_epoch(copyset.epoch());
        orders.push_back(order);
        --led[max_it->first];
        ++led[target];
        moved = true;
        break;
      }
      if (!moved) break;
    }
  }
  return orders;
}

}  // namespace curve::mds
