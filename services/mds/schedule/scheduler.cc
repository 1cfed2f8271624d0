#include "services/mds/schedule/scheduler.h"

#include <algorithm>
#include <optional>

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

ConfigChangeOrder ReplaceOrder(const Topology& topology, uint32_t pool, const Copyset& copyset,
                               uint32_t add, uint32_t remove) {
  ConfigChangeOrder order;
  order.set_logical_pool_id(pool);
  order.set_copyset_id(copyset.id());
  order.set_kind(ConfigChangeOrder::REPLACE_PEER);
  *order.mutable_add() = MakePeer(topology, add);
  *order.mutable_remove() = MakePeer(topology, remove);
  order.set_epoch(copyset.epoch());
  return order;
}

// Rebalancing of one healthy logical pool (see PlanChanges); `disks` are its online disks.
class Rebalancer {
 public:
  Rebalancer(const Topology& topology, const LogicalPool& pool,
             const std::vector<PlacementNode>& disks, const std::map<CopysetKey, uint32_t>& leaders,
             const SchedulerOptions& options)
      : topology_(topology), pool_(pool), leaders_(leaders), options_(options) {
    for (const auto& d : disks) zone_[d.id] = d.zone;
    for (const auto& c : pool.copysets())
      members_.emplace_back(c.members().begin(), c.members().end());
  }

  void Plan(int budget, std::vector<ConfigChangeOrder>* orders) {
    for (int n = 0; n < budget; ++n) {
      Count();
      std::optional<Move> move = CountMove();
      if (!move) move = ScatterMove();
      if (!move) return;
      orders->push_back(ReplaceOrder(topology_, pool_.id(), pool_.copysets(move->copyset),
                                     move->add, move->remove));
      std::replace(members_[move->copyset].begin(), members_[move->copyset].end(), move->remove,
                   move->add);
      moved_.insert(move->copyset);
    }
  }

 private:
  struct Move {
    size_t copyset = 0;
    uint32_t add = 0, remove = 0;
  };

  void Count() {
    count_.clear();
    peers_.clear();
    for (const auto& [id, zone] : zone_) {
      count_[id] = 0;
      peers_[id].clear();
    }
    for (const auto& members : members_) {
      for (uint32_t m : members) {
        ++count_[m];
        for (uint32_t other : members) {
          if (other != m) peers_[m].insert(other);
        }
      }
    }
  }

  // Whether `add` may take `remove`'s place in copyset `i`.
  bool Allowed(size_t i, uint32_t add, uint32_t remove) const {
    if (moved_.count(i) || !zone_.count(add) || !zone_.count(remove)) return false;
    const auto& members = members_[i];
    if (std::count(members.begin(), members.end(), add)) return false;
    auto leader = leaders_.find({pool_.id(), pool_.copysets(i).id()});
    if (leader == leaders_.end() || leader->second == remove ||
        !std::count(members.begin(), members.end(), leader->second)) {
      return false;
    }
    const std::string& zone = zone_.at(add);
    if (zone == zone_.at(remove)) return true;
    return std::none_of(members.begin(), members.end(), [&](uint32_t m) {
      return m != remove && (!zone_.count(m) || zone_.at(m) == zone);
    });
  }

  // Peers `add` would gain in copyset `i` in place of `remove`.
  int NewPeers(size_t i, uint32_t add, uint32_t remove) {
    int n = 0;
    for (uint32_t m : members_[i]) n += m != remove && !peers_[add].count(m) ? 1 : 0;
    return n;
  }

  double Mean(const std::map<uint32_t, double>& values) const {
    double sum = 0;
    for (const auto& [id, v] : values) sum += v;
    return values.empty() ? 0 : sum / values.size();
  }

  std::optional<Move> CountMove() {
    std::map<uint32_t, double> counts(count_.begin(), count_.end());
    double mean = Mean(counts);
    double high = mean * (1 + options_.copyset_imbalance);
    double low = mean * (1 - options_.copyset_imbalance);
    bool balanced = std::all_of(counts.begin(), counts.end(),
                                [&](const auto& c) { return c.second <= high && c.second >= low; });
    if (balanced) return std::nullopt;
    std::vector<uint32_t> by_count;
    for (const auto& [id, n] : count_) by_count.push_back(id);
    std::stable_sort(by_count.begin(), by_count.end(),
                     [&](uint32_t a, uint32_t b) { return count_[a] > count_[b]; });
    for (uint32_t from : by_count) {
      for (auto to = by_count.rbegin(); to != by_count.rend(); ++to) {
        if (count_[*to] + 1 >= count_[from]) break;
        std::optional<Move> best;
        int best_peers = -1;
        for (size_t i = 0; i < members_.size(); ++i) {
          if (!std::count(members_[i].begin(), members_[i].end(), from) || !Allowed(i, *to, from)) {
            continue;
          }
          int gain = NewPeers(i, *to, from);
          if (gain > best_peers) {
            best_peers = gain;
            best = Move{i, *to, from};
          }
        }
        if (best) return best;
      }
    }
    return std::nullopt;
  }

  std::optional<Move> ScatterMove() {
    std::map<uint32_t, double> widths;
    for (const auto& [id, p] : peers_) widths[id] = static_cast<double>(p.size());
    double mean_width = Mean(widths);
    std::map<uint32_t, double> counts(count_.begin(), count_.end());
    double mean = Mean(counts);
    std::vector<uint32_t> by_width;
    for (const auto& [id, w] : widths) {
      if (w < mean_width * (1 - options_.scatter_width_imbalance)) by_width.push_back(id);
    }
    std::stable_sort(by_width.begin(), by_width.end(),
                     [&](uint32_t a, uint32_t b) { return widths[a] < widths[b]; });
    for (uint32_t low : by_width) {
      if (count_[low] + 1 > mean * (1 + options_.copyset_imbalance)) continue;
      std::optional<Move> best;
      std::pair<int, int> best_score{0, 0};  // new peers, copysets of the member replaced
      for (size_t i = 0; i < members_.size(); ++i) {
        for (uint32_t m : members_[i]) {
          if (!Allowed(i, low, m) || count_[m] - 1 < mean * (1 - options_.copyset_imbalance)) {
            continue;
          }
          std::pair<int, int> score{NewPeers(i, low, m), count_[m]};
          if (score.first > 0 && score > best_score) {
            best_score = score;
            best = Move{i, low, m};
          }
        }
      }
      if (best) return best;
    }
    return std::nullopt;
  }

  const Topology& topology_;
  const LogicalPool& pool_;
  const std::map<CopysetKey, uint32_t>& leaders_;
  const SchedulerOptions& options_;
  std::map<uint32_t, std::string> zone_;        // the pool's online disks
  std::vector<std::vector<uint32_t>> members_;  // per copyset, with the moves planned so far
  std::set<size_t> moved_;
  std::map<uint32_t, int> count_;
  std::map<uint32_t, std::set<uint32_t>> peers_;
};

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
    bool all_disks_online = true;  // retired ones aside
    for (const auto& cs : topology.chunkservers()) {
      const Server* server = FindServer(topology, cs.server());
      if (server == nullptr || server->physical_pool() != pool.physical_pool()) continue;
      if (cs.state() == CHUNKSERVER_RETIRED) continue;
      if (!Online(status, cs.id())) {
        all_disks_online = false;
        continue;
      }
      candidates.push_back({cs.id(), server->zone()});
    }
    const size_t planned_before = orders.size();
    bool healthy = true;  // every member online and not retired, nothing in flight
    for (const auto& copyset : pool.copysets()) {
      CopysetKey key{pool.id(), copyset.id()};
      healthy = healthy && !in_flight.count(key);
      for (uint32_t m : copyset.members()) {
        const ChunkServer* cs = FindChunkServer(topology, m);
        healthy =
            healthy && Online(status, m) && cs != nullptr && cs->state() != CHUNKSERVER_RETIRED;
      }
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
        orders.push_back(ReplaceOrder(topology, pool.id(), copyset, *pick, member));
        ++copysets_of[*pick];
        --budget;
        break;
      }
    }
    if (healthy && orders.size() == planned_before && budget > 0 && all_disks_online) {
      size_t before = orders.size();
      Rebalancer(topology, pool, candidates, leaders, options)
          .Plan(std::min(budget, options.max_rebalance_changes), &orders);
      budget -= static_cast<int>(orders.size() - before);
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
