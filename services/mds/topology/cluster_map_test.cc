#include "services/mds/topology/cluster_map.h"

#include <gtest/gtest.h>

namespace curve::mds {
namespace {

ApplyTopologyRequest Map() {
  ApplyTopologyRequest map;
  auto* ssd = map.add_poolsets();
  ssd->set_name("ssd");
  ssd->set_type("SSD");
  auto* pool = map.add_physical_pools();
  pool->set_name("pool1");
  pool->set_poolset("ssd");
  for (int i = 0; i < 3; ++i) {
    auto* s = map.add_servers();
    s->set_name("s" + std::to_string(i));
    s->set_host("10.0.0." + std::to_string(i));
    s->set_zone("z" + std::to_string(i));
    s->set_physical_pool("pool1");
  }
  return map;
}

TEST(ClusterMapTest, ApplyIsIdempotent) {
  Topology topology;
  std::vector<std::string> changes;
  ASSERT_TRUE(ApplyClusterMap(Map(), 100, &topology, &changes).ok());
  EXPECT_EQ(changes.size(), 5u);  // poolset, pool, 3 servers
  ASSERT_NE(FindPoolset(topology, "default"), nullptr);
  EXPECT_EQ(FindPoolset(topology, "ssd")->type(), "ssd");
  std::string before = topology.SerializeAsString();
  changes.clear();
  ASSERT_TRUE(ApplyClusterMap(Map(), 100, &topology, &changes).ok());
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(topology.SerializeAsString(), before);
}

TEST(ClusterMapTest, AddingServersExtends) {
  Topology topology;
  std::vector<std::string> changes;
  ASSERT_TRUE(ApplyClusterMap(Map(), 100, &topology, &changes).ok());
  auto map = Map();
  auto* s = map.add_servers();
  s->set_name("s9");
  s->set_host("10.0.0.9");
  s->set_zone("z0");
  s->set_physical_pool("pool1");
  changes.clear();
  ASSERT_TRUE(ApplyClusterMap(map, 100, &topology, &changes).ok());
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(topology.servers_size(), 4);
}

TEST(ClusterMapTest, ConflictsAreRefusedNamingTheConflict) {
  struct Case {
    std::string name;
    void (*edit)(ApplyTopologyRequest*);
    StatusCode code;
    std::string expect;
  };
  std::vector<Case> cases = {
      {"poolset type", [](ApplyTopologyRequest* m) { m->mutable_poolsets(0)->set_type("hdd"); },
       StatusCode::kFailedPrecondition, "poolset ssd: type 'hdd' conflicts"},
      {"pool poolset",
       [](ApplyTopologyRequest* m) { m->mutable_physical_pools(0)->set_poolset("default"); },
       StatusCode::kFailedPrecondition, "pool pool1: poolset default conflicts"},
      {"server zone", [](ApplyTopologyRequest* m) { m->mutable_servers(1)->set_zone("z0"); },
       StatusCode::kFailedPrecondition, "server s1: zone z0 conflicts"},
      {"server host", [](ApplyTopologyRequest* m) { m->mutable_servers(1)->set_host("h"); },
       StatusCode::kFailedPrecondition, "server s1: host h conflicts"},
      {"bad name", [](ApplyTopologyRequest* m) { m->mutable_servers(1)->set_name("a b"); },
       StatusCode::kInvalidArgument, "servers[1].name"},
      {"empty host", [](ApplyTopologyRequest* m) { m->mutable_servers(2)->clear_host(); },
       StatusCode::kInvalidArgument, "servers[2].host is empty"},
      {"unknown pool",
       [](ApplyTopologyRequest* m) { m->mutable_servers(0)->set_physical_pool("nope"); },
       StatusCode::kNotFound, "pool nope does not exist"},
      {"unknown poolset",
       [](ApplyTopologyRequest* m) { m->mutable_physical_pools(0)->set_poolset("nvme"); },
       StatusCode::kNotFound, "poolset nvme does not exist"},
      {"duplicate host",
       [](ApplyTopologyRequest* m) { m->mutable_servers(2)->set_host("10.0.0.1"); },
       StatusCode::kInvalidArgument, "host 10.0.0.1 is declared by two servers"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Topology topology;
    std::vector<std::string> changes;
    ASSERT_TRUE(ApplyClusterMap(Map(), 100, &topology, &changes).ok());
    std::string before = topology.SerializeAsString();
    auto map = Map();
    c.edit(&map);
    Status status = ApplyClusterMap(map, 100, &topology, &changes);
    EXPECT_EQ(status.code(), c.code) << status;
    EXPECT_NE(status.message().find(c.expect), std::string::npos) << status;
    EXPECT_EQ(topology.SerializeAsString(), before) << "a refused map must change nothing";
  }
}

}  // namespace
}  // namespace curve::mds
