// The CurveCluster CRD (crds/curvecluster.yaml) on a real kube-apiserver: it installs, the
// samples apply, defaults are filled in, and invalid objects are refused with the CEL or schema
// message naming the field (label "k8s").
#include <gtest/gtest.h>

#include "common/testing/subprocess.h"
#include "operator/api/cluster_spec.h"
#include "operator/api/yaml_json.h"
#include "operator/k8s/api_status.h"
#include "operator/k8s/object_meta.h"
#include "operator/k8s/rest_kube_client.h"
#include "operator/k8s/testing/kube_apiserver_process.h"

namespace curve::op {
namespace {

using k8s::Json;
using k8s::Resource;
using std::chrono::seconds;

const Resource kClusters{"operator.curve.io", "v1", "curveclusters"};

std::string SourcePath(const std::string& relative) {
  return std::string(CURVE_SOURCE_DIR) + "/" + relative;
}

class CurveClusterCrdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto bins = k8s::testing::KubeApiserverProcess::FindBinaries();
    if (!bins.ok()) {
      skip_reason_ = new std::string(bins.status().ToString());
      return;
    }
    auto server = k8s::testing::KubeApiserverProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value().release();
    auto client = k8s::RestKubeClient::Create(server_->admin_config());
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(client).value().release();

    auto crd = YamlFileToJson(SourcePath("crds/curvecluster.yaml"));
    ASSERT_TRUE(crd.ok()) << crd.status();
    ASSERT_EQ(crd->size(), 1u);
    auto created = client_->Create(k8s::resources::kCustomResourceDefinitions, "", (*crd)[0]);
    ASSERT_TRUE(created.ok()) << created.status();
    // Established: the resource is served.
    ASSERT_TRUE(curve::testing::PollUntil([] { return client_->List(kClusters, "default").ok(); },
                                          seconds(30)));
    auto ns = client_->Create(
        k8s::resources::kNamespaces, "",
        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "curve"}}}});
    ASSERT_TRUE(ns.ok()) << ns.status();
  }
  static void TearDownTestSuite() {
    delete client_;
    delete server_;
    client_ = nullptr;
    server_ = nullptr;
  }
  void SetUp() override {
    if (skip_reason_) GTEST_SKIP() << *skip_reason_;
  }

  static Result<Json> CreateFromYaml(const std::string& yaml) {
    auto docs = YamlToJson(yaml);
    if (!docs.ok()) return docs.status();
    Json object = (*docs)[0];
    return client_->Create(kClusters, k8s::Namespace(object), object);
  }

  static inline std::string* skip_reason_ = nullptr;
  static inline k8s::testing::KubeApiserverProcess* server_ = nullptr;
  static inline k8s::RestKubeClient* client_ = nullptr;
};

TEST_F(CurveClusterCrdTest, SamplesApplyAndParse) {
  for (const char* sample :
       {"crds/samples/upstream-curvebs.yaml", "crds/samples/mixed-poolsets.yaml"}) {
    SCOPED_TRACE(sample);
    auto docs = YamlFileToJson(SourcePath(sample));
    ASSERT_TRUE(docs.ok()) << docs.status();
    auto stored = client_->Create(kClusters, "curve", (*docs)[0]);
    ASSERT_TRUE(stored.ok()) << stored.status();
    // The operator's parser accepts what the API server accepted (with its defaults).
    auto spec = ParseClusterSpec((*stored)["spec"]);
    ASSERT_TRUE(spec.ok()) << spec.status();
  }
}

TEST_F(CurveClusterCrdTest, DefaultsFilledIn) {
  auto stored = CreateFromYaml(R"(
apiVersion: operator.curve.io/v1
kind: CurveCluster
metadata: {name: defaults, namespace: curve}
spec:
  curveVersion: {image: curvebs:v1}
  nodes: [a, b, c]
  storage: {nodes: [a, b, c], devices: [{name: /dev/sdb}]}
)");
  ASSERT_TRUE(stored.ok()) << stored.status();
  const Json& spec = (*stored)["spec"];
  EXPECT_EQ(spec["hostDataDir"], "/curvebs");
  EXPECT_EQ(spec["curveVersion"]["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(spec["etcd"]["clientPort"], 2379);
  EXPECT_EQ(spec["etcd"]["peerPort"], 2380);
  EXPECT_EQ(spec["mds"]["port"], 6700);
  EXPECT_EQ(spec["mds"]["dummyPort"], 7700);
  EXPECT_EQ(spec["snapShotClone"]["enable"], false);
  EXPECT_EQ(spec["storage"]["port"], 8200);
  EXPECT_EQ(spec["storage"]["copySets"], 100);
  EXPECT_EQ(spec["storage"]["failureDomainLabel"], "topology.kubernetes.io/zone");
  EXPECT_EQ(spec["storage"]["devices"][0]["percentage"], 80);
}

struct Case {
  const char* name;
  const char* spec;      // YAML of .spec
  const char* expected;  // "" = accepted; else a substring of the refusal
};

TEST_F(CurveClusterCrdTest, ValidationTable) {
  const Case cases[] = {
      {"minimal",
       "curveVersion: {image: i}\nnodes: [a, b, c]\n"
       "storage: {nodes: [a], devices: [{name: /dev/sdb}]}",
       ""},
      {"standalone",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a], devices: [{name: /dev/sdb}]}",
       ""},
      {"two nodes",
       "curveVersion: {image: i}\nnodes: [a, b]\n"
       "storage: {nodes: [a], devices: [{name: /dev/sdb}]}",
       "nodes: give 1 node (stand-alone) or at least 3"},
      {"no image", "curveVersion: {}\nnodes: [a]\nstorage: {nodes: [a], useAllDevices: true}",
       "spec.curveVersion.image: Required value"},
      {"bad pull policy",
       "curveVersion: {image: i, imagePullPolicy: Sometimes}\nnodes: [a]\n"
       "storage: {nodes: [a], useAllDevices: true}",
       "spec.curveVersion.imagePullPolicy: Unsupported value"},
      {"port range",
       "curveVersion: {image: i}\nnodes: [a]\nmds: {port: 70000}\n"
       "storage: {nodes: [a], useAllDevices: true}",
       "spec.mds.port: Invalid value"},
      {"ports collide",
       "curveVersion: {image: i}\nnodes: [a]\nmds: {port: 2379}\n"
       "storage: {nodes: [a], useAllDevices: true}",
       "ports must be distinct"},
      {"chunkserver range hits mds",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a], port: 6690, useAllDevices: true}",
       "spec.storage.port: Invalid value: storage.port: chunkservers use"},
      {"snapshot ports collide",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], useAllDevices: true}\n"
       "snapShotClone: {enable: true, proxyPort: 5555, s3Config: {nosAddress: x, bucketName: "
       "b, credentialsSecretRef: {name: s}}}",
       "snapShotClone.{port,dummyPort,proxyPort} collide"},
      {"cleanup wrong word",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a], useAllDevices: true}\n"
       "cleanupPolicy: {confirmation: yes-please}",
       "cleanupPolicy.confirmation must be empty or exactly \"yes-really-destroy-data\""},
      {"cleanup confirmed",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a], useAllDevices: true}\n"
       "cleanupPolicy: {confirmation: yes-really-destroy-data}",
       ""},
      {"devices and useAllDevices",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a], useAllDevices: true, devices: [{name: /dev/sdb}]}",
       "spec.storage.devices: Invalid value: storage.devices and "
       "storage.useAllDevices are exclusive"},
      {"filter without useAllDevices",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a], deviceFilter: sd, devices: [{name: /dev/sdb}]}",
       "storage.deviceFilter needs storage.useAllDevices: true"},
      {"no devices", "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a]}",
       "storage.devices must list devices"},
      {"selected without flag",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], useAllDevices: true, "
       "selectedNodes: [{node: a, devices: [{name: /dev/sdb}]}]}",
       "storage.selectedNodes is used only with storage.useSelectedNodes: true"},
      {"selected nodes ok",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {useSelectedNodes: true, "
       "poolsets: [{name: fast, type: ssd}], selectedNodes: [{node: a, devices: "
       "[{name: /dev/sdb, poolset: fast}, {name: /dev/sdc}]}]}",
       ""},
      {"selected unknown poolset",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {useSelectedNodes: true, "
       "selectedNodes: [{node: a, devices: [{name: /dev/sdb, poolset: fast}]}]}",
       "storage.selectedNodes[].devices[].poolset must name a poolset"},
      {"device unknown poolset",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], "
       "poolsets: [{name: fast, type: ssd}], devices: [{name: /dev/sdb, poolset: slow}]}",
       "spec.storage.devices: Invalid value: storage.devices[].poolset must name"},
      {"poolset names unique",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], useAllDevices: true, "
       "poolsets: [{name: p, type: ssd}, {name: p, type: hdd}]}",
       "storage.poolsets: names must be unique"},
      {"poolset type enum",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], useAllDevices: true, "
       "poolsets: [{name: p, type: tape}]}",
       "spec.storage.poolsets[0].type: Unsupported value: \"tape\""},
      {"device twice",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a], devices: [{name: /dev/sdb}, {name: /dev/sdb}]}",
       "spec.storage.devices[1]: Duplicate value"},
      {"mount path twice",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], devices: "
       "[{name: /dev/sdb, mountPath: /m}, {name: /dev/sdc, mountPath: /m}]}",
       "storage.devices: two devices share a mountPath"},
      {"device not under /dev",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a], devices: [{name: /tmp/sdb}]}",
       "spec.storage.devices[0].name: Invalid value: device name must be a path"},
      {"percentage range",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a], devices: [{name: /dev/sdb, percentage: 0}]}",
       "spec.storage.devices[0].percentage: Invalid value: 0"},
      {"s3 without secret",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], useAllDevices: true}\n"
       "snapShotClone: {enable: true, s3Config: {nosAddress: x, bucketName: b}}",
       "snapShotClone.s3Config.credentialsSecretRef is required"},
      {"s3 secret and plain keys",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], useAllDevices: true}\n"
       "snapShotClone: {enable: true, s3Config: {nosAddress: x, bucketName: b, ak: k, sk: s, "
       "credentialsSecretRef: {name: s}}}",
       "give credentialsSecretRef or the deprecated ak/sk, not both"},
      {"s3 disabled needs nothing",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], useAllDevices: true}\n"
       "snapShotClone: {enable: false}",
       ""},
      {"relative hostDataDir",
       "curveVersion: {image: i}\nnodes: [a]\nhostDataDir: data\n"
       "storage: {nodes: [a], useAllDevices: true}",
       "spec.hostDataDir: Invalid value: \"data\""},
      {"no storage", "curveVersion: {image: i}\nnodes: [a]", "spec.storage: Required value"},
      {"device without name",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], devices: [{percentage: 50}]}",
       "spec.storage.devices[0].name: Required value"},
      {"poolset without type",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], useAllDevices: true, "
       "poolsets: [{name: p}]}",
       "spec.storage.poolsets[0].type: Required value"},
      {"poolset name pattern",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {nodes: [a], useAllDevices: true, "
       "poolsets: [{name: 'fast pool', type: ssd}]}",
       "spec.storage.poolsets[0].name: Invalid value: \"fast pool\""},
      {"copySets range",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a], copySets: 0, useAllDevices: true}",
       "spec.storage.copySets: Invalid value: 0"},
      {"storage node twice",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a, a], useAllDevices: true}",
       "spec.storage.nodes[1]: Duplicate value"},
      {"selected node twice",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {useSelectedNodes: true, selectedNodes: "
       "[{node: a, devices: [{name: /dev/sdb}]}, {node: a, devices: [{name: /dev/sdc}]}]}",
       "spec.storage.selectedNodes[1]: Duplicate value"},
      {"selected device twice",
       "curveVersion: {image: i}\nnodes: [a]\nstorage: {useSelectedNodes: true, selectedNodes: "
       "[{node: a, devices: [{name: /dev/sdb}, {name: /dev/sdb}]}]}",
       "spec.storage.selectedNodes[0].devices[1]: Duplicate value"},
      {"selected node without devices",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {useSelectedNodes: true, selectedNodes: [{node: a}]}",
       "spec.storage.selectedNodes[0].devices: Required value"},
      {"etcd port range",
       "curveVersion: {image: i}\nnodes: [a]\netcd: {clientPort: 0}\n"
       "storage: {nodes: [a], useAllDevices: true}",
       "spec.etcd.clientPort: Invalid value: 0"},
      {"cleanup confirmation on a typo",
       "curveVersion: {image: i}\nnodes: [a]\n"
       "storage: {nodes: [a], useAllDevices: true}\n"
       "cleanupPolicy: {confirmation: yes-really-destroy-dat}",
       "spec.cleanupPolicy.confirmation: Invalid value"},
  };
  int index = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto docs = YamlToJson(c.spec);
    ASSERT_TRUE(docs.ok()) << docs.status();
    Json object = {{"apiVersion", kApiVersion},
                   {"kind", kKind},
                   {"metadata", {{"name", "case-" + std::to_string(index++)}}},
                   {"spec", (*docs)[0]}};
    auto created = client_->Create(kClusters, "curve", object);
    if (std::string(c.expected).empty()) {
      EXPECT_TRUE(created.ok()) << created.status();
      if (created.ok()) {
        // The operator's own validation agrees with the API server's.
        auto spec = ParseClusterSpec((*created)["spec"]);
        EXPECT_TRUE(spec.ok()) << spec.status();
      }
      continue;
    }
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument) << created.status();
    EXPECT_NE(created.status().message().find(c.expected), std::string::npos)
        << "expected \"" << c.expected << "\" in: " << created.status().message();
  }
}

TEST_F(CurveClusterCrdTest, StatusSubresourceAndPrinterColumns) {
  auto stored = CreateFromYaml(R"(
apiVersion: operator.curve.io/v1
kind: CurveCluster
metadata: {name: printed, namespace: curve}
spec:
  curveVersion: {image: curvebs:v1}
  nodes: [a, b, c]
  storage: {nodes: [a, b, c], useAllDevices: true}
)");
  ASSERT_TRUE(stored.ok()) << stored.status();
  Json status = {{"apiVersion", kApiVersion},
                 {"kind", kKind},
                 {"metadata", {{"name", "printed"}}},
                 {"status",
                  {{"phase", "Ready"},
                   {"version", "curvebs:v1"},
                   {"chunkservers", {{"ready", 3}, {"total", 3}, {"display", "3/3"}}}}}};
  k8s::ApplyOptions options;
  options.field_manager = "test";
  auto applied = client_->ApplyStatus(kClusters, "curve", "printed", status, options);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ((*applied)["status"]["chunkservers"]["display"], "3/3");
  EXPECT_EQ((*applied)["metadata"]["generation"], 1);  // status writes do not bump it
  auto crd = client_->Get(k8s::resources::kCustomResourceDefinitions, "",
                          "curveclusters.operator.curve.io");
  ASSERT_TRUE(crd.ok());
  std::vector<std::string> columns;
  for (const auto& c : (*crd)["spec"]["versions"][0]["additionalPrinterColumns"]) {
    columns.push_back(c["name"]);
  }
  EXPECT_EQ(columns, (std::vector<std::string>{"Phase", "Version", "Chunkservers", "Age"}));
}

}  // namespace
}  // namespace curve::op
