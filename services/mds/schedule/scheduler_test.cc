#include "services/mds/schedule/scheduler.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "services/mds/topology/placement.h"

namespace curve::mds {
namespace {

// Server "s<id>" on host "h<id>" in `zone` of physical pool "p", with chunkserver `id`.
const Server& AddServer(Topology& t, uint32_t id, const std::string& zone) {
  auto* s = t.add_servers();
  s->set_name("s" + std::to_string(id));
  s->set_host("h" + std::to_string(id));
  s->set_zone(zone);
  s->set_physical_pool("p");
  auto* cs = t.add_chunkservers();
  cs->set_id(id);
  cs->set_server(s->name());
  cs->set_host(s->host());
  cs->set_port(8200);
  return *s;
}

// 4 zones, 2 chunkservers each (ids 1..8, zone = (id-1)/2), one pool.
Topology MakeTopology(int copysets) {
  Topology t;
  t.add_poolsets()->set_name("default");
  auto* pool = t.add_physical_pools();
  pool->set_name("p");
  pool->set_poolset("default");
  for (uint32_t id = 1; id <= 8; ++id) AddServer(t, id, "z" + std::to_string((id - 1) / 2));
  auto* lp = t.add_logical_pools();
  lp->set_id(1);
  lp->set_physical_pool("p");
  for (int i = 0; i < copysets; ++i) {
    auto* c = lp->add_copysets();
    c->set_id(i + 1);
    // members in zones 0, 1, 2: ids 1|2, 3|4, 5|6
    c->add_members(1 + i % 2);
    c->add_members(3 + i % 2);
    c->add_members(5 + i % 2);
    c->set_epoch(3);
  }
  return t;
}

std::map<uint32_t, ChunkServerStatus> AllOnline() {
  std::map<uint32_t, ChunkServerStatus> s;
  for (uint32_t id = 1; id <= 8; ++id) s[id] = {true, std::chrono::milliseconds(0)};
  return s;
}

TEST(SchedulerTest, ReplacesLongDeadMemberFromAnUnusedZoneRateLimited) {
  Topology t = MakeTopology(6);
  auto status = AllOnline();
  status[1] = {false, std::chrono::minutes(31)};
  std::map<CopysetKey, uint32_t> leaders;
  for (uint32_t c = 1; c <= 6; ++c) leaders[{1, c}] = c % 2 == 1 ? 3 : 4;
  SchedulerOptions options;
  options.max_concurrent_changes = 2;
  options.max_leader_transfers = 0;
  auto orders = PlanChanges(t, status, leaders, {}, options);
  ASSERT_EQ(orders.size(), 2u);  // 3 copysets hold chunkserver 1; the limit is 2
  for (const auto& o : orders) {
    EXPECT_EQ(o.kind(), ConfigChangeOrder::REPLACE_PEER);
    EXPECT_EQ(o.remove().chunkserver_id(), 1u);
    // Zone 0 (ids 1, 2) is free again, zone 3 (7, 8) is unused: never 3..6.
    EXPECT_TRUE(o.add().chunkserver_id() == 2 || o.add().chunkserver_id() >= 7);
    EXPECT_EQ(o.epoch(), 3u);
    EXPECT_EQ(o.add().address(), "h" + std::to_string(o.add().chunkserver_id()) + ":8200");
  }
  // One in flight leaves room for one more.
  auto more = PlanChanges(t, status, leaders, {{1, 1}}, options);
  EXPECT_EQ(more.size(), 1u);
  // Not dead long enough: nothing.
  status[1].offline_for = std::chrono::minutes(5);
  EXPECT_TRUE(PlanChanges(t, status, leaders, {}, options).empty());
}

TEST(SchedulerTest, BalancesLeaders) {
  Topology t = MakeTopology(8);
  std::map<CopysetKey, uint32_t> leaders;
  for (uint32_t c = 1; c <= 8; ++c) leaders[{1, c}] = c % 2 == 1 ? 1 : 2;  // zone 0 leads all
  SchedulerOptions options;
  options.max_leader_transfers = 10;
  options.max_rebalance_changes = 0;  // zone 3 holds no copysets
  auto orders = PlanChanges(t, AllOnline(), leaders, {}, options);
  ASSERT_FALSE(orders.empty());
  std::map<uint32_t, int> led;
  for (const auto& [k, l] : leaders) ++led[l];
  for (const auto& o : orders) {
    ASSERT_EQ(o.kind(), ConfigChangeOrder::TRANSFER_LEADER);
    uint32_t from = leaders[{1, o.copyset_id()}];
    --led[from];
    ++led[o.add().chunkserver_id()];
  }
  int max = 0;
  for (const auto& [id, n] : led) max = std::max(max, n);
  EXPECT_LE(max, 2);
}

TEST(SchedulerTest, RetiredMemberMovesAtOnceLeadershipFirst) {
  Topology t = MakeTopology(2);  // copyset 1: {1, 3, 5}; copyset 2: {2, 4, 6}
  t.mutable_chunkservers(0)->set_state(CHUNKSERVER_RETIRED);  // id 1, online
  t.mutable_chunkservers(1)->set_state(CHUNKSERVER_RETIRED);  // id 2, online
  std::map<CopysetKey, uint32_t> leaders{{{1, 1}, 3}, {{1, 2}, 2}};
  SchedulerOptions options;
  options.max_leader_transfers = 0;
  auto orders = PlanChanges(t, AllOnline(), leaders, {}, options);
  ASSERT_EQ(orders.size(), 2u);
  // Copyset 1 (led by 3): chunkserver 1 is replaced from its own zone's free peer... which is
  // retired too, so from zone 3 (ids 7, 8), a zone the others do not use.
  EXPECT_EQ(orders[0].copyset_id(), 1u);
  EXPECT_EQ(orders[0].kind(), ConfigChangeOrder::REPLACE_PEER);
  EXPECT_EQ(orders[0].remove().chunkserver_id(), 1u);
  EXPECT_TRUE(orders[0].add().chunkserver_id() == 7 || orders[0].add().chunkserver_id() == 8);
  // Copyset 2 is led by the retiree: leadership goes first.
  EXPECT_EQ(orders[1].copyset_id(), 2u);
  EXPECT_EQ(orders[1].kind(), ConfigChangeOrder::TRANSFER_LEADER);
  EXPECT_NE(orders[1].add().chunkserver_id(), 2u);
}

// A pool of 3 zones x 2 disks (ids 1, 2 | 4, 5 | 7, 8) with 30 copysets per disk grows by one
// disk per zone (3, 6, 9) whose 30 copysets pair only the new disks with each other. Applying the
// scheduler's orders round after round converges: copyset counts and scatter widths end within
// 10% of the pool mean, every copyset keeps 3 zones, no round exceeds the rebalance budget, and
// a converged pool gets no more orders.
TEST(SchedulerTest, GrownPoolConvergesToBalancedCountsAndScatterWidth) {
  Topology t;
  t.add_poolsets()->set_name("default");
  auto* physical = t.add_physical_pools();
  physical->set_name("p");
  physical->set_poolset("default");
  std::vector<PlacementNode> old_disks;
  std::map<uint32_t, std::string> zone_of;
  std::map<uint32_t, ChunkServerStatus> status;
  for (uint32_t id = 1; id <= 9; ++id) {
    const Server& s = AddServer(t, id, "z" + std::to_string((id - 1) / 3));
    zone_of[id] = s.zone();
    status[id] = {true, std::chrono::milliseconds(0)};
    if (id % 3 != 0) old_disks.push_back({id, s.zone()});
  }
  auto planned = PlanCopysets(old_disks, {}, 6 * 30 / 3);
  ASSERT_TRUE(planned.ok()) << planned.status();
  auto* lp = t.add_logical_pools();
  lp->set_id(1);
  lp->set_physical_pool("p");
  std::map<CopysetKey, uint32_t> leaders;
  auto add = [&](const std::vector<uint32_t>& members) {
    auto* c = lp->add_copysets();
    c->set_id(lp->copysets_size());
    for (uint32_t m : members) c->add_members(m);
    leaders[{1, c->id()}] = members[c->id() % 3];
  };
  for (const auto& members : *planned) add({members.begin(), members.end()});
  for (int i = 0; i < 30; ++i) add({3, 6, 9});

  auto measure = [&](std::map<uint32_t, double>* counts, std::map<uint32_t, double>* widths) {
    std::map<uint32_t, std::set<uint32_t>> peers;
    for (uint32_t id = 1; id <= 9; ++id) (*counts)[id] = 0;
    for (const auto& c : lp->copysets()) {
      std::set<std::string> zones;
      for (uint32_t m : c.members()) {
        zones.insert(zone_of[m]);
        ++(*counts)[m];
        for (uint32_t o : c.members()) {
          if (o != m) peers[m].insert(o);
        }
      }
      EXPECT_EQ(zones.size(), 3u) << "copyset " << c.id() << " lost a zone";
    }
    for (uint32_t id = 1; id <= 9; ++id) (*widths)[id] = static_cast<double>(peers[id].size());
  };
  auto within = [](const std::map<uint32_t, double>& values, double tolerance) {
    double mean = 0;
    for (const auto& [id, v] : values) mean += v / values.size();
    return std::all_of(values.begin(), values.end(), [&](const auto& v) {
      return v.second <= mean * (1 + tolerance) + 1e-9 && v.second >= mean * (1 - tolerance) - 1e-9;
    });
  };
  std::map<uint32_t, double> counts, widths;
  measure(&counts, &widths);
  ASSERT_FALSE(within(widths, 0.1)) << "the grown pool starts balanced: nothing to test";

  SchedulerOptions options;
  options.max_leader_transfers = 0;
  options.max_rebalance_changes = 2;
  int rounds = 0, moves = 0;
  for (; rounds < 500; ++rounds) {
    auto orders = PlanChanges(t, status, leaders, {}, options);
    if (orders.empty()) break;
    ASSERT_LE(orders.size(), 2u) << "round " << rounds;
    for (const auto& o : orders) {
      ASSERT_EQ(o.kind(), ConfigChangeOrder::REPLACE_PEER);
      Copyset* c = lp->mutable_copysets(static_cast<int>(o.copyset_id()) - 1);
      ASSERT_EQ(o.epoch(), c->epoch());
      uint32_t leader = leaders[{1, c->id()}];
      EXPECT_NE(o.remove().chunkserver_id(), leader) << "removes the leader";
      int replaced = 0;
      for (int i = 0; i < c->members_size(); ++i) {
        ASSERT_NE(c->members(i), o.add().chunkserver_id());
        if (c->members(i) == o.remove().chunkserver_id()) {
          c->set_members(i, o.add().chunkserver_id());
          ++replaced;
        }
      }
      ASSERT_EQ(replaced, 1);
      c->set_epoch(c->epoch() + 2);
      ++moves;
    }
  }
  EXPECT_LT(rounds, 500) << "no convergence";
  counts.clear();
  widths.clear();
  measure(&counts, &widths);
  for (uint32_t id = 1; id <= 9; ++id) {
    std::printf("disk %u: copysets %.0f scatter width %.0f\n", id, counts[id], widths[id]);
  }
  std::printf("converged in %d rounds, %d moves\n", rounds, moves);
  EXPECT_TRUE(within(counts, 0.1));
  EXPECT_TRUE(within(widths, 0.1));
  // Unbalanced again, but with a disk offline: nothing moves until it is back (healing first),
  // nor while a change is in flight.
  for (int i = 0; i < 10; ++i) add({3, 6, 9});
  status[1] = {false, std::chrono::seconds(1)};
  EXPECT_TRUE(PlanChanges(t, status, leaders, {}, options).empty());
  status[1] = {true, std::chrono::milliseconds(0)};
  EXPECT_TRUE(PlanChanges(t, status, leaders, {{1, 1}}, options).empty());
  EXPECT_FALSE(PlanChanges(t, status, leaders, {}, options).empty());
}

}  // namespace
}  // namespace curve::mds
