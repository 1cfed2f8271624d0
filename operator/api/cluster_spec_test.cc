#include "operator/api/cluster_spec.h"

#include <gtest/gtest.h>

#include "operator/api/node_inventory.h"
#include "operator/api/yaml_json.h"

namespace curve::op {
namespace {

Result<ClusterSpec> ParseYaml(const std::string& yaml) {
  auto docs = YamlToJson(yaml);
  if (!docs.ok()) return docs.status();
  return ParseClusterSpec((*docs)[0]);
}

TEST(ClusterSpecTest, UpstreamShapeParsesWithDefaults) {
  auto spec = ParseYaml(R"(
curveVersion: {image: curvebs:v1.2.6}
nodes: [n1, n2, n3]
hostDataDir: /curvebs
etcd: {peerPort: 23800, clientPort: 23790}
mds: {port: 6700, dummyPort: 7700}
storage:
  useSelectedNodes: false
  nodes: [n1, n2, n3]
  port: 8200
  copySets: 100
  devices: [{name: /dev/vdc, mountPath: /data/chunkserver0, percentage: 30}]
snapShotClone:
  enable: true
  s3Config: {ak: a, sk: s, nosAddress: "http://x", bucketName: b}
)");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->etcd_client_port, 23790);
  EXPECT_EQ(spec->storage.devices[0].percentage, 30);
  EXPECT_EQ(spec->storage.failure_domain_label, "topology.kubernetes.io/zone");
  EXPECT_EQ(spec->image_pull_policy, "IfNotPresent");
  ASSERT_TRUE(spec->s3.has_value());
  EXPECT_EQ(spec->s3->plain_ak, "a");
  EXPECT_FALSE(spec->cleanup_confirmed);
}

TEST(ClusterSpecTest, RefusalsNameTheField) {
  const std::string base = "curveVersion: {image: i}\nnodes: [a, b, c]\n";
  const std::pair<std::string, std::string> cases[] = {
      {"curveVersion: {}\nnodes: [a]\nstorage: {nodes: [a], useAllDevices: true}",
       "spec.curveVersion.image"},
      {base + "storage: {nodes: [a], devices: [{name: /dev/sdb, percentage: 101}]}",
       "spec.storage.devices[0].percentage"},
      {base + "storage: {nodes: [a], devices: [{name: sdb}]}", "spec.storage.devices[0].name"},
      {base + "storage: {nodes: [a], devices: [{name: /dev/sdb, poolset: x}]}",
       "spec.storage.devices[0].poolset"},
      {base + "storage: {nodes: [a], useAllDevices: true, poolsets: [{name: p, type: tape}]}",
       "spec.storage.poolsets[0].type"},
      {base + "storage: {nodes: [a], useAllDevices: true, deviceFilter: '('}",
       "spec.storage.deviceFilter"},
      {base + "mds: {port: 2379}\nstorage: {nodes: [a], useAllDevices: true}",
       "spec.mds.port: port 2379 is also spec.etcd.clientPort"},
      {base + "storage: {nodes: [a], useAllDevices: true}\ncleanupPolicy: {confirmation: y}",
       "spec.cleanupPolicy.confirmation"},
      {base + "storage: {nodes: [a], useAllDevices: true}\nsnapShotClone: {enable: true, "
              "s3Config: {nosAddress: x, bucketName: b}}",
       "spec.snapShotClone.s3Config.credentialsSecretRef"},
      {"curveVersion: {image: i}\nnodes: [a, b]\nstorage: {nodes: [a], useAllDevices: true}",
       "spec.nodes"},
  };
  for (const auto& [yaml, field] : cases) {
    SCOPED_TRACE(yaml);
    auto spec = ParseYaml(yaml);
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(spec.status().message().find(field), std::string::npos) << spec.status();
  }
}

TEST(ClusterSpecTest, CleanupConfirmedEitherWay) {
  const std::string base =
      "curveVersion: {image: i}\nnodes: [a]\n"
      "storage: {nodes: [a], useAllDevices: true}\n";
  EXPECT_TRUE(ParseYaml(base + "cleanupPolicy: {confirmation: yes-really-destroy-data}")
                  ->cleanup_confirmed);
  EXPECT_TRUE(ParseYaml(base + "cleanupConfirm: yes-really-destroy-data")->cleanup_confirmed);
}

TEST(NodeInventoryTest, ReportRoundTripAndClasses) {
  DiscoveredDevice hdd;
  hdd.name = "sdb";
  hdd.rotational = true;
  hdd.size_bytes = 4ull << 40;
  DiscoveredDevice nvme;
  nvme.name = "nvme0n1";
  nvme.fstype = "xfs";
  Json node = {
      {"metadata",
       {{"name", "n1"},
        {"labels", {{"topology.kubernetes.io/zone", "z1"}}},
        {"annotations", {{kDiscoveredDevicesAnnotation, FormatDiscoveryReport({nvme, hdd})}}}}},
      {"status",
       {{"addresses", Json::array({{{"type", "Hostname"}, {"address", "n1"}},
                                   {{"type", "InternalIP"}, {"address", "10.1.1.1"}}})}}}};
  auto info = NodeInfoFromObject(node);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->address, "10.1.1.1");
  ASSERT_EQ(info->devices.size(), 2u);
  EXPECT_EQ(info->devices[0].name, "nvme0n1");
  EXPECT_EQ(info->devices[0].Class(), "nvme");
  EXPECT_EQ(info->devices[0].fstype, "xfs");
  EXPECT_EQ(info->devices[1].Class(), "hdd");
  EXPECT_EQ(info->devices[1].size_bytes, 4ull << 40);

  node["metadata"]["annotations"][kDiscoveredDevicesAnnotation] = "{not json";
  auto bad = NodeInfoFromObject(node);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("node n1"), std::string::npos);
}

}  // namespace
}  // namespace curve::op
