#include "services/mds/schedule/scheduler.h"

#include <gtest/gtest.h>

namespace curve::mds {
namespace {

// 4 zones, 2 chunkservers each (ids 1..8, zone = (id-1)/2), one pool.
Topology MakeTopology(int copysets) {
  Topology t;
  t.add_poolsets()->set_name("default");
  auto* pool = t.add_physical_pools();
  pool->set_name("p");
  pool->set_poolset("default");
  for (uint32_t id = 1; id <= 8; ++id) {
    auto* s = t.add_servers();
    s->set_name("s" + std::to_string(id));
    s->set_host("h" + std::to_string(id));
    s->set_zone("z" + std::to_string((id - 1) / 2));
    s->set_physical_pool("p");
    auto* cs = t.add_chunkservers();
    cs->set_id(id);
    cs->set_server(s->name());
    cs->set_host(s->host());
    cs->set_port(8200);
  }
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

}  // namespace
}  // namespace curve::mds
