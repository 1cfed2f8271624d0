#include "services/mds/topology/topology_manager.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace curve::mds {
namespace {

class TopologyManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TopologyOptions options;
    options.pool_settle = std::chrono::milliseconds(0);
    options.offline_timeout = std::chrono::seconds(30);
    options.default_copysets_per_chunkserver = 30;
    options.scheduler.order_timeout = std::chrono::seconds(60);
    manager_ = std::make_unique<TopologyManager>(store_, clock_, options);
    ASSERT_TRUE(manager_->Reload().ok());
    ApplyTopologyRequest map;
    for (std::string name : {"ssd", "hdd"}) {
      auto* p = map.add_poolsets();
      p->set_name(name);
      p->set_type(name);
      auto* pool = map.add_physical_pools();
      pool->set_name(name + "pool");
      pool->set_poolset(name);
      for (int z = 0; z < 3; ++z) {
        auto* s = map.add_servers();
        s->set_name(name + std::to_string(z));
        s->set_host(name + "-host" + std::to_string(z));
        s->set_zone("z" + std::to_string(z));
        s->set_physical_pool(name + "pool");
      }
    }
    auto changes = manager_->Apply(map);
    ASSERT_TRUE(changes.ok()) << changes.status();
  }

  Result<RegisterChunkServerResponse> Register(const std::string& host, int disk,
                                               const std::string& type) {
    RegisterChunkServerRequest request;
    request.set_host(host);
    request.set_port(8200 + disk);
    request.set_disk_path("/data/" + std::to_string(disk));
    request.set_disk_type(type);
    request.set_capacity_bytes(100 << 20);
    return manager_->Register(request);
  }

  FakeTopologyStore store_;
  FakeClock clock_;
  std::unique_ptr<TopologyManager> manager_;
};

TEST_F(TopologyManagerTest, SameDiskGetsSameIdAndToken) {
  auto first = Register("ssd-host0", 0, "ssd");
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = Register("ssd-host0", 0, "SSD");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->chunkserver_id(), again->chunkserver_id());
  EXPECT_EQ(first->token(), again->token());
  auto other = Register("ssd-host0", 1, "ssd");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->chunkserver_id(), first->chunkserver_id());
}

TEST_F(TopologyManagerTest, BadRegistrationsAreRefused) {
  auto wrong_type = Register("ssd-host0", 0, "hdd");
  EXPECT_EQ(wrong_type.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(wrong_type.status().message().find("disk type 'hdd' does not match type 'ssd'"),
            std::string::npos)
      << wrong_type.status();
  EXPECT_EQ(Register("nowhere", 0, "ssd").status().code(), StatusCode::kNotFound);
  RegisterChunkServerRequest bad;
  bad.set_host("ssd-host0");
  auto no_port = manager_->Register(bad);
  EXPECT_EQ(no_port.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_port.status().message().find("port"), std::string::npos);
}

TEST_F(TopologyManagerTest, CopysetsCreatedOncePoolIsCompleteAndOrdersSent) {
  std::vector<RegisterChunkServerResponse> ids;
  for (int z = 0; z < 3; ++z) {
    for (int d = 0; d < 2; ++d) {
      auto r = Register("ssd-host" + std::to_string(z), d, "ssd");
      ASSERT_TRUE(r.ok());
      ids.push_back(*r);
    }
    bool created = manager_->Snapshot().logical_pools_size() > 0;
    EXPECT_EQ(created, z == 2) << "copysets before every declared server registered";
  }
  Topology topology = manager_->Snapshot();
  ASSERT_EQ(topology.logical_pools_size(), 1);
  EXPECT_EQ(topology.logical_pools(0).copysets_size(), 6 * 30 / 3);

  HeartbeatRequest hb;
  hb.set_chunkserver_id(ids[0].chunkserver_id());
  hb.set_token(ids[0].token());
  auto response = manager_->Heartbeat(hb);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->create_copysets_size(), 30);
  EXPECT_EQ(response->create_copysets(0).peers_size(), 3);

  hb.set_token("wrong");
  EXPECT_EQ(manager_->Heartbeat(hb).status().code(), StatusCode::kPermissionDenied);
  hb.set_chunkserver_id(999);
  EXPECT_EQ(manager_->Heartbeat(hb).status().code(), StatusCode::kNotFound);

  auto ssd = manager_->PoolsOf("ssd");
  ASSERT_TRUE(ssd.ok());
  ASSERT_EQ(ssd->size(), 1u);
  auto hdd = manager_->PoolsOf("hdd");
  ASSERT_TRUE(hdd.ok());
  EXPECT_TRUE(hdd->empty());
  EXPECT_EQ(manager_->PoolsOf("nvme").status().code(), StatusCode::kNotFound);
}

TEST_F(TopologyManagerTest, OfflineAfterTimeoutAndHealth) {
  std::vector<RegisterChunkServerResponse> ids;
  for (int z = 0; z < 3; ++z) ids.push_back(*Register("ssd-host" + std::to_string(z), 0, "ssd"));
  Topology topology = manager_->Snapshot();
  ASSERT_EQ(topology.logical_pools_size(), 1);
  auto beat = [&](const RegisterChunkServerResponse& id) {
    HeartbeatRequest hb;
    hb.set_chunkserver_id(id.chunkserver_id());
    hb.set_token(id.token());
    hb.set_used_bytes(10 << 20);
    for (const auto& c : topology.logical_pools(0).copysets()) {
      auto* report = hb.add_copysets();
      report->set_logical_pool_id(topology.logical_pools(0).id());
      report->set_copyset_id(c.id());
      report->set_is_leader(c.members(0) == id.chunkserver_id());
      report->set_term(1);
      for (uint32_t m : c.members()) report->add_members(m);
      report->set_epoch(c.epoch());
    }
    ASSERT_TRUE(manager_->Heartbeat(hb).ok());
  };
  for (const auto& id : ids) beat(id);
  auto health = manager_->Health();
  EXPECT_TRUE(health.healthy());
  const PoolsetHealth* ssd = nullptr;
  for (const auto& p : health.poolsets()) {
    if (p.poolset() == "ssd") ssd = &p;
  }
  ASSERT_NE(ssd, nullptr);
  EXPECT_EQ(ssd->chunkservers_online(), 3u);
  EXPECT_EQ(ssd->copysets_healthy(), ssd->copysets_total());
  EXPECT_EQ(ssd->used_bytes(), 3u * (10 << 20));

  clock_.Advance(std::chrono::seconds(20));
  beat(ids[0]);
  beat(ids[1]);
  clock_.Advance(std::chrono::seconds(15));
  topology = manager_->Snapshot();
  for (const auto& cs : topology.chunkservers()) {
    EXPECT_EQ(cs.state(),
              cs.id() == ids[2].chunkserver_id() ? CHUNKSERVER_OFFLINE : CHUNKSERVER_ONLINE);
  }
  health = manager_->Health();
  EXPECT_FALSE(health.healthy());
}

TEST_F(TopologyManagerTest, ReloadKeepsEverything) {
  auto id = Register("hdd-host1", 3, "hdd");
  ASSERT_TRUE(id.ok());
  TopologyManager other(store_, clock_, TopologyOptions{});
  ASSERT_TRUE(other.Reload().ok());
  EXPECT_EQ(other.Snapshot().SerializeAsString(), manager_->Snapshot().SerializeAsString());
}

TEST_F(TopologyManagerTest, RetireMovesCopysetsAndStuckOrdersTimeOut) {
  // Zone z0 has two disks; the first retires, so the second is its only replacement.
  std::vector<RegisterChunkServerResponse> ids = {
      *Register("ssd-host0", 0, "ssd"), *Register("ssd-host0", 1, "ssd"),
      *Register("ssd-host1", 0, "ssd"), *Register("ssd-host2", 0, "ssd")};
  uint32_t retiree = ids[0].chunkserver_id(), spare = ids[1].chunkserver_id();
  auto beat = [&](const RegisterChunkServerResponse& id) {
    Topology topology = manager_->Snapshot();
    HeartbeatRequest hb;
    hb.set_chunkserver_id(id.chunkserver_id());
    hb.set_token(id.token());
    for (const auto& c : topology.logical_pools(0).copysets()) {
      auto* report = hb.add_copysets();
      report->set_logical_pool_id(topology.logical_pools(0).id());
      report->set_copyset_id(c.id());
      uint32_t leader = c.members(0) == retiree ? c.members(1) : c.members(0);
      report->set_is_leader(leader == id.chunkserver_id());
      report->set_term(1);
      for (uint32_t m : c.members()) report->add_members(m);
      report->set_epoch(c.epoch());
    }
    return manager_->Heartbeat(hb);
  };
  auto replacements = [&] {
    int n = 0;
    for (const auto& o : manager_->PendingOrders()) {
      if (o.kind() != ConfigChangeOrder::REPLACE_PEER) continue;
      EXPECT_EQ(o.remove().chunkserver_id(), retiree);
      EXPECT_EQ(o.add().chunkserver_id(), spare);
      ++n;
    }
    return n;
  };
  for (const auto& id : ids) ASSERT_TRUE(beat(id).ok());
  EXPECT_EQ(manager_->Retire(999).status().code(), StatusCode::kNotFound);
  auto moving = manager_->Retire(retiree);
  ASSERT_TRUE(moving.ok()) << moving.status();
  EXPECT_GT(*moving, 0u);
  EXPECT_EQ(*manager_->Retire(retiree), *moving);  // idempotent
  ASSERT_TRUE(manager_->Tick().ok());
  EXPECT_EQ(replacements(), 4);  // max_concurrent_changes
  EXPECT_TRUE(beat(ids[0]).ok()) << "a retiree still hosting copysets keeps heartbeating";
  EXPECT_EQ(Register("ssd-host0", 0, "ssd").status().code(), StatusCode::kFailedPrecondition);

  // The spare dies after the orders went out: they stay pending until the order timeout, then
  // are dropped and, with no other candidate in zone z0, not planned again.
  clock_.Advance(std::chrono::seconds(31));
  for (size_t i : {0, 2, 3}) ASSERT_TRUE(beat(ids[i]).ok());
  ASSERT_TRUE(manager_->Tick().ok());
  EXPECT_EQ(replacements(), 4);
  clock_.Advance(std::chrono::seconds(30));
  for (size_t i : {0, 2, 3}) ASSERT_TRUE(beat(ids[i]).ok());
  ASSERT_TRUE(manager_->Tick().ok());
  EXPECT_EQ(replacements(), 0);

  // The spare is back; leaders report every copyset moved; the retiree is then told to stop.
  for (const auto& id : ids) ASSERT_TRUE(beat(id).ok());
  Topology topology = manager_->Snapshot();
  for (const auto& c : topology.logical_pools(0).copysets()) {
    if (std::find(c.members().begin(), c.members().end(), retiree) == c.members().end()) continue;
    uint32_t leader = c.members(0) == retiree ? c.members(1) : c.members(0);
    HeartbeatRequest hb;
    hb.set_chunkserver_id(leader);
    for (const auto& id : ids) {
      if (id.chunkserver_id() == leader) hb.set_token(id.token());
    }
    auto* report = hb.add_copysets();
    report->set_logical_pool_id(topology.logical_pools(0).id());
    report->set_copyset_id(c.id());
    report->set_is_leader(true);
    report->set_term(2);
    for (uint32_t m : c.members()) report->add_members(m == retiree ? spare : m);
    report->set_epoch(c.epoch() + 7);  // the raft index of the new configuration
    ASSERT_TRUE(manager_->Heartbeat(hb).ok());
  }
  EXPECT_EQ(*manager_->Retire(retiree), 0u);
  auto refused = beat(ids[0]);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition) << refused.status();
  ASSERT_TRUE(manager_->Tick().ok());
  EXPECT_EQ(replacements(), 0);
}

// The chunkservers report the configuration their raft group applied, with its epoch (the
// raft index of its entry): a newer 3-member configuration from any member is adopted, older
// reports and the 4-member step of a replacement are not, and a chunkserver reporting a copyset
// that no longer includes it is told so unless a pending order is adding it.
TEST_F(TopologyManagerTest, HeartbeatsAdoptNewerConfigurationsAndTellFormerMembers) {
  std::vector<RegisterChunkServerResponse> ids = {
      *Register("ssd-host0", 0, "ssd"), *Register("ssd-host0", 1, "ssd"),
      *Register("ssd-host1", 0, "ssd"), *Register("ssd-host2", 0, "ssd")};
  std::map<uint32_t, std::string> tokens;
  for (const auto& id : ids) tokens[id.chunkserver_id()] = id.token();
  Topology topology = manager_->Snapshot();
  ASSERT_EQ(topology.logical_pools_size(), 1);
  const uint32_t pool = topology.logical_pools(0).id();
  // A copyset with the first zone-0 disk; the second zone-0 disk replaces it.
  const uint32_t old_member = ids[0].chunkserver_id(), spare = ids[1].chunkserver_id();
  const Copyset* target = nullptr;
  for (const auto& c : topology.logical_pools(0).copysets()) {
    if (std::find(c.members().begin(), c.members().end(), old_member) != c.members().end()) {
      target = &c;
      break;
    }
  }
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->epoch(), 0u) << "a new copyset is at its founding configuration";
  const uint32_t copyset_id = target->id();
  std::vector<uint32_t> before(target->members().begin(), target->members().end());
  std::vector<uint32_t> after;
  for (uint32_t m : before) after.push_back(m == old_member ? spare : m);
  const uint32_t other = after[0] == spare ? after[1] : after[0];
  auto report = [&](uint32_t from, const std::vector<uint32_t>& members, uint64_t epoch) {
    HeartbeatRequest hb;
    hb.set_chunkserver_id(from);
    hb.set_token(tokens[from]);
    auto* r = hb.add_copysets();
    r->set_logical_pool_id(pool);
    r->set_copyset_id(copyset_id);
    r->set_is_leader(from == other);
    r->set_term(1);
    for (uint32_t m : members) r->add_members(m);
    r->set_epoch(epoch);
    auto response = manager_->Heartbeat(hb);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : HeartbeatResponse{};
  };
  auto stored = [&] {
    Topology now = manager_->Snapshot();
    for (const auto& c : now.logical_pools(0).copysets()) {
      if (c.id() == copyset_id) return c;
    }
    return Copyset{};
  };

  // The 4-member step is not adopted; the old member is still a member and told nothing.
  std::vector<uint32_t> four = before;
  four.push_back(spare);
  EXPECT_EQ(report(other, four, 4).not_member_size(), 0);
  EXPECT_EQ(stored().epoch(), 0u);
  // The replacement committed at index 5, reported by a follower: adopted.
  EXPECT_EQ(report(other, after, 5).not_member_size(), 0);
  Copyset now = stored();
  EXPECT_EQ(now.id(), copyset_id);
  EXPECT_EQ(now.epoch(), 5u);
  EXPECT_EQ(std::vector<uint32_t>(now.members().begin(), now.members().end()), after);
  // A late report of the old configuration changes nothing.
  report(other, before, 3);
  now = stored();
  EXPECT_EQ(now.epoch(), 5u);
  EXPECT_EQ(std::vector<uint32_t>(now.members().begin(), now.members().end()), after);
  // The removed member reports its last configuration (older): it is told it is no member.
  HeartbeatResponse told = report(old_member, four, 4);
  ASSERT_EQ(told.not_member_size(), 1);
  EXPECT_EQ(told.not_member(0).copyset_id(), copyset_id);
  EXPECT_EQ(told.not_member(0).epoch(), 5u);
  // Members are never told.
  EXPECT_EQ(report(spare, after, 5).not_member_size(), 0);

  // A chunkserver being added by a pending order is not told either, even at epoch 0 (it has
  // just joined and knows no configuration yet).
  ASSERT_TRUE(manager_->Retire(spare).ok());
  topology = manager_->Snapshot();
  for (const auto& id : ids) {
    HeartbeatRequest hb;
    hb.set_chunkserver_id(id.chunkserver_id());
    hb.set_token(id.token());
    for (const auto& c : topology.logical_pools(0).copysets()) {
      auto* r = hb.add_copysets();
      r->set_logical_pool_id(pool);
      r->set_copyset_id(c.id());
      r->set_is_leader(id.chunkserver_id() ==
                       (c.members(0) == spare ? c.members(1) : c.members(0)));
      r->set_term(1);
      for (uint32_t m : c.members()) r->add_members(m);
      r->set_epoch(c.epoch());
    }
    ASSERT_TRUE(manager_->Heartbeat(hb).ok());
  }
  ASSERT_TRUE(manager_->Tick().ok());
  int replacements = 0;
  for (const auto& o : manager_->PendingOrders()) {
    if (o.kind() != ConfigChangeOrder::REPLACE_PEER) continue;  // leader balance
    ++replacements;
    EXPECT_EQ(o.remove().chunkserver_id(), spare);
    EXPECT_EQ(o.add().chunkserver_id(), old_member);
    HeartbeatRequest hb;
    hb.set_chunkserver_id(old_member);
    hb.set_token(tokens[old_member]);
    auto* r = hb.add_copysets();
    r->set_logical_pool_id(o.logical_pool_id());
    r->set_copyset_id(o.copyset_id());
    r->set_epoch(0);
    auto response = manager_->Heartbeat(hb);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->not_member_size(), 0) << "copyset " << o.copyset_id();
  }
  EXPECT_GT(replacements, 0) << "no replacement planned for the retired member";
}

// A disk added to zone 0 gets copysets moved onto it, but not while a leader reports a member
// its raft cannot reach (it may have just died; its heartbeats have not timed out yet).
TEST_F(TopologyManagerTest, RebalancingWaitsWhileALeaderCannotReachAMember) {
  std::vector<RegisterChunkServerResponse> ids = {
      *Register("ssd-host0", 0, "ssd"), *Register("ssd-host1", 0, "ssd"),
      *Register("ssd-host2", 0, "ssd"), *Register("ssd-host0", 1, "ssd")};
  const uint32_t old_disk = ids[0].chunkserver_id(), leader = ids[1].chunkserver_id();
  const uint32_t new_disk = ids[3].chunkserver_id(), far = ids[2].chunkserver_id();
  auto beat_all = [&](bool far_unreachable) {
    Topology topology = manager_->Snapshot();
    for (const auto& id : ids) {
      HeartbeatRequest hb;
      hb.set_chunkserver_id(id.chunkserver_id());
      hb.set_token(id.token());
      for (const auto& c : topology.logical_pools(0).copysets()) {
        if (!std::count(c.members().begin(), c.members().end(), id.chunkserver_id())) continue;
        auto* r = hb.add_copysets();
        r->set_logical_pool_id(topology.logical_pools(0).id());
        r->set_copyset_id(c.id());
        r->set_is_leader(id.chunkserver_id() == leader);
        r->set_term(1);
        for (uint32_t m : c.members()) r->add_members(m);
        r->set_epoch(c.epoch());
        if (r->is_leader() && far_unreachable) r->add_unreachable(far);
      }
      ASSERT_TRUE(manager_->Heartbeat(hb).ok());
    }
  };
  auto moves = [&] {
    int n = 0;
    for (const auto& o : manager_->PendingOrders()) {
      if (o.kind() != ConfigChangeOrder::REPLACE_PEER) continue;
      EXPECT_EQ(o.remove().chunkserver_id(), old_disk);
      EXPECT_EQ(o.add().chunkserver_id(), new_disk);
      ++n;
    }
    return n;
  };
  beat_all(true);
  ASSERT_TRUE(manager_->Tick().ok());
  EXPECT_EQ(moves(), 0) << "rebalanced while a member was unreachable";
  EXPECT_TRUE(manager_->Health().healthy()) << "heartbeats alone still count it online";
  beat_all(false);
  ASSERT_TRUE(manager_->Tick().ok());
  EXPECT_EQ(moves(), 1);  // max_rebalance_changes
}

}  // namespace
}  // namespace curve::mds
