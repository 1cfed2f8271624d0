#include "operator/placement/placement.h"

#include <gtest/gtest.h>

namespace curve::op {
namespace {

DiscoveredDevice Disk(const std::string& name, bool rotational, const std::string& fstype = "") {
  DiscoveredDevice d;
  d.name = name;
  d.size_bytes = 1ull << 40;
  d.rotational = rotational;
  d.fstype = fstype;
  d.links = {"/dev/disk/by-id/wwn-" + name};
  return d;
}

NodeInfo Node(const std::string& name, const std::string& zone,
              std::vector<DiscoveredDevice> disks) {
  NodeInfo n;
  n.name = name;
  if (!zone.empty()) n.labels[kDefaultFailureDomainLabel] = zone;
  n.address = "10.0.0." + std::to_string(name.back());
  n.has_report = true;
  n.devices = std::move(disks);
  return n;
}

ClusterSpec ExplicitSpec(std::vector<std::string> nodes, std::vector<std::string> devices) {
  ClusterSpec spec;
  spec.image = "curvebs:v1";
  spec.nodes = nodes;
  spec.storage.nodes = nodes;
  for (const auto& d : devices) spec.storage.devices.push_back({d, "", 80, ""});
  return spec;
}

bool HasProblem(const Placement& p, const std::string& reason, const std::string& text = "") {
  for (const auto& problem : p.problems) {
    if (problem.reason == reason && problem.message.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string Describe(const Placement& p) {
  std::string out;
  for (const auto& problem : p.problems) out += problem.reason + ": " + problem.message + "\n";
  return out;
}

TEST(PlacementTest, ThreeNodesThreeZones) {
  std::vector<NodeInfo> nodes = {Node("n1", "z1", {Disk("sdb", false), Disk("sdc", false)}),
                                 Node("n2", "z2", {Disk("sdb", false), Disk("sdc", false)}),
                                 Node("n3", "z3", {Disk("sdb", false), Disk("sdc", false)})};
  auto spec = ExplicitSpec({"n1", "n2", "n3"}, {"/dev/sdb", "/dev/sdc"});
  Placement p = ComputePlacement(spec, "ns/c", nodes, {});
  EXPECT_TRUE(p.problems.empty()) << Describe(p);
  ASSERT_EQ(p.chunkservers.size(), 6u);
  EXPECT_EQ(p.chunkservers[0].node, "n1");
  EXPECT_EQ(p.chunkservers[0].device, "sdb");
  EXPECT_EQ(p.chunkservers[0].port, 8200);
  EXPECT_EQ(p.chunkservers[1].port, 8201);
  EXPECT_EQ(p.chunkservers[1].mount_path, "/curvebs/chunkserver/sdc");
  EXPECT_EQ(p.chunkservers[0].poolset, "default");
  ASSERT_EQ(p.poolsets.size(), 1u);
  EXPECT_EQ(p.poolsets[0].failure_domains, (std::vector<std::string>{"z1", "z2", "z3"}));
}

TEST(PlacementTest, SixNodesMixedTwoPoolsets) {
  std::vector<NodeInfo> nodes;
  for (std::string zone : {"a", "b", "c"}) {
    nodes.push_back(Node("ssd-" + zone, "zone-" + zone, {Disk("sdb", false), Disk("sdc", false)}));
    nodes.push_back(Node("hdd-" + zone, "zone-" + zone,
                         {Disk("sda", true, "ext4"), Disk("sdb", true), Disk("sdc", true)}));
  }
  ClusterSpec spec;
  spec.nodes = {"ssd-a", "ssd-b", "ssd-c"};
  for (const auto& n : nodes) spec.storage.nodes.push_back(n.name);
  spec.storage.use_all_devices = true;
  spec.storage.device_filter = "^sd";
  spec.storage.poolsets = {{"fast", "ssd"}, {"bulk", "hdd"}};
  Placement p = ComputePlacement(spec, "ns/c", nodes, {});
  EXPECT_TRUE(p.problems.empty()) << Describe(p);
  ASSERT_EQ(p.chunkservers.size(), 12u);  // sda has a file system: skipped
  int fast = 0, bulk = 0;
  for (const auto& cs : p.chunkservers) {
    EXPECT_NE(cs.device, "sda");
    if (cs.node.rfind("ssd", 0) == 0) {
      EXPECT_EQ(cs.poolset, "fast");
      ++fast;
    } else {
      EXPECT_EQ(cs.poolset, "bulk");
      EXPECT_EQ(cs.device_class, "hdd");
      ++bulk;
    }
  }
  EXPECT_EQ(fast, 6);
  EXPECT_EQ(bulk, 6);
  ASSERT_EQ(p.poolsets.size(), 2u);
  EXPECT_EQ(p.poolsets[0].name, "fast");
  EXPECT_EQ(p.poolsets[0].failure_domains.size(), 3u);
  EXPECT_EQ(p.poolsets[1].failure_domains.size(), 3u);
}

struct ProblemCase {
  const char* name;
  std::vector<NodeInfo> nodes;
  ClusterSpec spec;
  size_t placed;
  const char* reason;
  const char* text;
};

TEST(PlacementTest, ProblemTable) {
  auto three = [](std::vector<DiscoveredDevice> disks) {
    return std::vector<NodeInfo>{Node("n1", "z1", disks), Node("n2", "z2", disks),
                                 Node("n3", "z3", disks)};
  };
  ClusterSpec typed = ExplicitSpec({"n1", "n2", "n3"}, {"/dev/sdb"});
  typed.storage.poolsets = {{"fast", "ssd"}};
  typed.storage.devices[0].poolset = "fast";
  ClusterSpec by_link = ExplicitSpec({"n1", "n2", "n3"}, {"/dev/sdb"});
  by_link.storage.devices.push_back({"/dev/disk/by-id/wwn-sdb", "/m2", 80, ""});
  ClusterSpec no_match = ExplicitSpec({"n1", "n2", "n3"}, {"/dev/sdb"});
  no_match.storage.poolsets = {{"fast", "ssd"}};
  ClusterSpec spans;
  spans.nodes = {"n1", "n2", "n3"};
  spans.storage.use_selected_nodes = true;
  spans.storage.poolsets = {{"fast", "ssd"}, {"bulk", "hdd"}};
  spans.storage.selected_nodes = {{"n1", {{"/dev/sdb", "", 80, "fast"}, {"/dev/sdc", "", 80, ""}}}};
  ClusterSpec missing = ExplicitSpec({"n1", "n2", "n3", "n4"}, {"/dev/sdb"});

  std::vector<ProblemCase> cases = {
      {"too few domains",
       {Node("n1", "z1", {Disk("sdb", false)}), Node("n2", "z1", {Disk("sdb", false)}),
        Node("n3", "z2", {Disk("sdb", false)})},
       ExplicitSpec({"n1", "n2", "n3"}, {"/dev/sdb"}),
       3,
       "PoolsetUnderspread",
       "poolset default spans 2 failure domain(s) (z1, z2) by label topology.kubernetes.io/zone"},
      {"unlabelled nodes are their own domain",
       {Node("n1", "", {Disk("sdb", false)}), Node("n2", "", {Disk("sdb", false)}),
        Node("n3", "z1", {Disk("sdb", false)})},
       ExplicitSpec({"n1", "n2", "n3"}, {"/dev/sdb"}),
       3,
       "",
       ""},
      {"duplicate device through a link", three({Disk("sdb", false)}), by_link, 3,
       "DeviceClaimedTwice",
       "device /dev/disk/by-id/wwn-sdb on node n1 is the same disk as /dev/sdb"},
      {"class mismatch", three({Disk("sdb", true)}), typed, 0, "DeviceClassMismatch",
       "device /dev/sdb on node n1 is hdd but poolset fast is ssd"},
      {"no poolset for class", three({Disk("sdb", true)}), no_match, 0, "NoPoolsetForDevice",
       "is hdd and no poolset has that type"},
      {"node spans poolsets",
       {Node("n1", "z1", {Disk("sdb", false), Disk("sdc", true)})},
       spans,
       1,
       "NodeSpansPoolsets",
       "device /dev/sdc on node n1 is in poolset bulk"},
      {"missing node", three({Disk("sdb", false)}), missing, 3, "NodeNotFound", "n4"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Placement p = ComputePlacement(c.spec, "ns/c", c.nodes, {});
    EXPECT_EQ(p.chunkservers.size(), c.placed) << Describe(p);
    if (std::string(c.reason).empty()) {
      EXPECT_TRUE(p.problems.empty()) << Describe(p);
    } else {
      EXPECT_TRUE(HasProblem(p, c.reason, c.text)) << Describe(p);
    }
  }
}

TEST(PlacementTest, DeviceOfAnotherClusterIsNotClaimed) {
  std::vector<NodeInfo> nodes = {Node("n1", "z1", {Disk("sdb", false)}),
                                 Node("n2", "z2", {Disk("sdb", false)}),
                                 Node("n3", "z3", {Disk("sdb", false)})};
  auto spec = ExplicitSpec({"n1", "n2", "n3"}, {"/dev/sdb"});
  Placement p = ComputePlacement(spec, "ns/c", nodes, {{"n2", "sdb", 8200, "ns/other"}});
  EXPECT_EQ(p.chunkservers.size(), 2u);
  EXPECT_TRUE(HasProblem(p, "DeviceClaimedByOtherCluster", "used by CurveCluster ns/other"));
  EXPECT_TRUE(HasProblem(p, "PoolsetUnderspread", "(z1, z3)"));
}

TEST(PlacementTest, GrowthKeepsPorts) {
  std::vector<NodeInfo> nodes = {Node("n1", "z1", {Disk("sdb", false), Disk("sdc", false)})};
  auto spec = ExplicitSpec({"n1"}, {"/dev/sdc"});
  Placement before = ComputePlacement(spec, "ns/c", nodes, {});
  ASSERT_EQ(before.chunkservers.size(), 1u);
  EXPECT_EQ(before.chunkservers[0].port, 8200);
  // sdb sorts before sdc but must not take sdc's port.
  spec.storage.devices.push_back({"/dev/sdb", "", 80, ""});
  Placement after = ComputePlacement(spec, "ns/c", nodes, {{"n1", "sdc", 8200, "ns/c"}});
  ASSERT_EQ(after.chunkservers.size(), 2u);
  EXPECT_EQ(after.chunkservers[0].device, "sdb");
  EXPECT_EQ(after.chunkservers[0].port, 8201);
  EXPECT_EQ(after.chunkservers[1].device, "sdc");
  EXPECT_EQ(after.chunkservers[1].port, 8200);
}

TEST(PlacementTest, UseAllDevicesWithoutReportIsPending) {
  NodeInfo bare;
  bare.name = "n1";
  ClusterSpec spec;
  spec.nodes = {"n1"};
  spec.storage.nodes = {"n1"};
  spec.storage.use_all_devices = true;
  Placement p = ComputePlacement(spec, "ns/c", {bare}, {});
  EXPECT_TRUE(p.chunkservers.empty());
  EXPECT_TRUE(HasProblem(p, "DiscoveryPending", "n1"));
  EXPECT_TRUE(HasProblem(p, "PoolsetUnderspread", "(none)"));
}

}  // namespace
}  // namespace curve::op
