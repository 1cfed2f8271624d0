#include "services/mds/topology/placement.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace curve::mds {
namespace {

std::vector<PlacementNode> Nodes(int zones, int per_zone) {
  std::vector<PlacementNode> nodes;
  uint32_t id = 1;
  for (int z = 0; z < zones; ++z) {
    for (int i = 0; i < per_zone; ++i) nodes.push_back({id++, "zone" + std::to_string(z)});
  }
  return nodes;
}

void ExpectBalanced(const std::vector<PlacementNode>& nodes,
                    const std::vector<CopysetMembers>& copysets) {
  std::map<uint32_t, std::string> zone;
  for (const auto& n : nodes) zone[n.id] = n.zone;
  std::map<uint32_t, std::set<uint32_t>> peers;
  std::map<uint32_t, int> count;
  for (const auto& c : copysets) {
    std::set<std::string> zones{zone[c[0]], zone[c[1]], zone[c[2]]};
    ASSERT_EQ(zones.size(), 3u) << "copyset in fewer than 3 zones";
    for (uint32_t a : c) {
      ++count[a];
      for (uint32_t b : c) {
        if (a != b) peers[a].insert(b);
      }
    }
  }
  double mean_width = 0, mean_count = 0;
  for (const auto& n : nodes) {
    mean_width += peers[n.id].size();
    mean_count += count[n.id];
  }
  mean_width /= nodes.size();
  mean_count /= nodes.size();
  for (const auto& n : nodes) {
    EXPECT_NEAR(peers[n.id].size(), mean_width, mean_width * 0.1) << "node " << n.id;
    EXPECT_NEAR(count[n.id], mean_count, std::max(1.0, mean_count * 0.1)) << "node " << n.id;
  }
}

TEST(PlacementTest, ThreeZonesAlwaysAndBalancedScatterWidth) {
  struct Case {
    int zones, per_zone, copysets_per_node;
  };
  for (const Case& c :
       {Case{3, 3, 100}, Case{3, 10, 5}, Case{4, 5, 30}, Case{5, 8, 20}, Case{3, 20, 100}}) {
    SCOPED_TRACE(std::to_string(c.zones) + " zones x " + std::to_string(c.per_zone));
    auto nodes = Nodes(c.zones, c.per_zone);
    int count = static_cast<int>(nodes.size()) * c.copysets_per_node / 3;
    auto planned = PlanCopysets(nodes, {}, count);
    ASSERT_TRUE(planned.ok()) << planned.status();
    ASSERT_EQ(planned->size(), static_cast<size_t>(count));
    ExpectBalanced(nodes, *planned);
  }
}

TEST(PlacementTest, ExtendingKeepsThreeZonesAndFavoursNewNodes) {
  auto nodes = Nodes(3, 3);
  auto first = PlanCopysets(nodes, {}, 30);
  ASSERT_TRUE(first.ok());
  nodes.push_back({100, "zone0"});
  nodes.push_back({101, "zone1"});
  nodes.push_back({102, "zone2"});
  auto more = PlanCopysets(nodes, *first, 10);
  ASSERT_TRUE(more.ok());
  int with_new = 0;
  for (const auto& c : *more) {
    for (uint32_t m : c) with_new += m >= 100 ? 1 : 0;
  }
  EXPECT_GE(with_new, 20);
}

TEST(PlacementTest, FewerThanThreeZonesRefused) {
  auto planned = PlanCopysets(Nodes(2, 5), {}, 3);
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(planned.status().message().find("3 zones"), std::string::npos);
}

TEST(PlacementTest, ReplacementUsesAnUnusedZone) {
  std::vector<PlacementNode> candidates{{1, "a"}, {2, "b"}, {4, "c"}, {5, "c"}, {6, "d"}};
  std::vector<PlacementNode> members{{1, "a"}, {2, "b"}, {3, "c"}};
  auto pick = PickReplacement(candidates, {1, 1, 5, 2, 3}, members, 3);
  ASSERT_TRUE(pick.ok());
  EXPECT_EQ(*pick, 5u);  // zone c is free again; 5 has fewer copysets than 4 and 6
  auto none = PickReplacement({{1, "a"}, {2, "b"}}, {0, 0}, members, 3);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace curve::mds
