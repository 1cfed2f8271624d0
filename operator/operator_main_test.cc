// curve-operator's composition root against the in-memory FakeKubeClient.
#include "operator/operator_main.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/testing/subprocess.h"
#include "operator/k8s/fake_kube_client.h"
#include "operator/k8s/object_meta.h"

namespace curve::op {
namespace {

using k8s::Json;

class FakeRegistrar : public TopologyRegistrar {
 public:
  Result<std::vector<std::string>> Apply(const mds::ApplyTopologyRequest&) override {
    return std::vector<std::string>{};
  }
  Result<mds::GetClusterHealthResponse> Health() override {
    return mds::GetClusterHealthResponse{};
  }
};

Json NodeObject(int i) {
  DiscoveredDevice disk;
  disk.name = "sdb";
  std::string n = std::to_string(i);
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", "n" + n},
            {"labels", {{"topology.kubernetes.io/zone", "z" + n}}},
            {"annotations", {{kDiscoveredDevicesAnnotation, FormatDiscoveryReport({disk})}}}}},
          {"status",
           {{"addresses", Json::array({{{"type", "InternalIP"}, {"address", "10.0.0." + n}}})}}}};
}

Json ClusterObject() {
  return {
      {"apiVersion", kApiVersion},
      {"kind", kKind},
      {"metadata", {{"name", "c1"}, {"namespace", "curve"}}},
      {"spec",
       {{"curveVersion", {{"image", "curvebs:v1"}}},
        {"nodes", {"n1", "n2", "n3"}},
        {"storage",
         {{"nodes", {"n1", "n2", "n3"}}, {"devices", Json::array({{{"name", "/dev/sdb"}}})}}}}}};
}

size_t Deployments(k8s::FakeKubeClient& client) {
  auto list = client.ListAll(k8s::resources::kDeployments, "curve");
  return list.ok() ? list->items.size() : 0;
}

// Regression: the leader's work used to be one set of informers and one controller, stopped
// when leadership ended and "started" again on the next term: the controller's queue stayed
// shut down and the informers kept the old caches, so a replica leading a second time never
// reconciled. Each term now builds its own.
bool Parse(std::vector<std::string> args, OperatorOptions* options, std::string* error) {
  args.insert(args.begin(), "curve-operator");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  return ParseOperatorFlags(static_cast<int>(argv.size()), argv.data(), options, error);
}

TEST(ParseOperatorFlagsTest, ReadsFlagsAndNamesWhatIsWrong) {
  OperatorOptions options;
  std::string error;
  ASSERT_TRUE(Parse({"--namespace=curve", "--workers", "3", "--leader-elect=false", "--resync=30s"},
                    &options, &error))
      << error;
  EXPECT_EQ(options.watch_namespace, "curve");
  EXPECT_EQ(options.workers, 3);
  EXPECT_FALSE(options.leader_elect);
  EXPECT_EQ(options.resync, std::chrono::seconds(30));
  EXPECT_FALSE(options.identity.empty());

  EXPECT_FALSE(Parse({"--bogus=1"}, &options, &error));
  EXPECT_NE(error.find("unknown flag --bogus"), std::string::npos) << error;
  EXPECT_FALSE(Parse({"stray"}, &options, &error));
  EXPECT_NE(error.find("'stray'"), std::string::npos) << error;
  EXPECT_FALSE(Parse({"--workers=0"}, &options, &error));
  EXPECT_NE(error.find("--workers"), std::string::npos) << error;
  EXPECT_FALSE(Parse({"--resync=30"}, &options, &error));
  EXPECT_NE(error.find("--resync"), std::string::npos) << error;
  // atoi used to read these as 4 and 30 seconds.
  EXPECT_FALSE(Parse({"--workers=4abc"}, &options, &error));
  EXPECT_NE(error.find("'4abc' is not an integer"), std::string::npos) << error;
  EXPECT_FALSE(Parse({"--resync=30xs"}, &options, &error));
  EXPECT_NE(error.find("got '30xs'"), std::string::npos) << error;
  EXPECT_FALSE(Parse({"--lease-duration=2s"}, &options, &error));
  EXPECT_NE(error.find("at least 3s"), std::string::npos) << error;
}

TEST(RunLeaderTermTest, ASecondTermReconcilesAgain) {
  k8s::FakeKubeClient client;
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(client.Create(k8s::resources::kNodes, "", NodeObject(i)).ok());
  }
  ASSERT_TRUE(client.Create(kCurveClusters, "curve", ClusterObject()).ok());
  OperatorOptions options;
  options.mds_address = "127.0.0.1:1";
  auto registrar = [](const std::string&) -> Result<std::unique_ptr<TopologyRegistrar>> {
    return std::unique_ptr<TopologyRegistrar>(std::make_unique<FakeRegistrar>());
  };
  auto term = [&] {
    return std::jthread(
        [&](std::stop_token stop) { RunLeaderTerm(&client, options, registrar, stop); });
  };

  {
    auto first = term();
    ASSERT_TRUE(curve::testing::PollUntil([&] { return Deployments(client) == 9; },
                                          std::chrono::seconds(10)));
  }  // leadership lost: the term stops and is joined

  // While another replica leads, the Deployments go away; leading again must restore them.
  auto list = client.ListAll(k8s::resources::kDeployments, "curve");
  ASSERT_TRUE(list.ok());
  for (const auto& d : list->items) {
    ASSERT_TRUE(client.Delete(k8s::resources::kDeployments, "curve", k8s::Name(d)).ok());
  }
  ASSERT_EQ(Deployments(client), 0u);
  auto second = term();
  EXPECT_TRUE(
      curve::testing::PollUntil([&] { return Deployments(client) == 9; }, std::chrono::seconds(10)))
      << Deployments(client) << " Deployments after the second term started";
}

// An operator watching one namespace still honours disks claimed by chunkservers of clusters in
// other namespaces (its informers see only its own; the others come from the API server).
TEST(RunLeaderTermTest, WatchingOneNamespaceSeesDisksClaimedInOthers) {
  k8s::FakeKubeClient client;
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(client.Create(k8s::resources::kNodes, "", NodeObject(i)).ok());
  }
  Json foreign = {{"apiVersion", "apps/v1"},
                  {"kind", "Deployment"},
                  {"metadata",
                   {{"name", "x-chunkserver-n1-sdb"},
                    {"namespace", "other"},
                    {"labels",
                     {{kLabelComponent, "chunkserver"},
                      {kLabelInstance, "x"},
                      {kLabelNode, "n1"},
                      {kLabelDevice, "sdb"},
                      {kLabelManagedBy, kManagedBy}}}}}};
  ASSERT_TRUE(client.Create(k8s::resources::kDeployments, "other", foreign).ok());
  ASSERT_TRUE(client.Create(kCurveClusters, "curve", ClusterObject()).ok());
  OperatorOptions options;
  options.mds_address = "127.0.0.1:1";
  options.watch_namespace = "curve";
  auto registrar = [](const std::string&) -> Result<std::unique_ptr<TopologyRegistrar>> {
    return std::unique_ptr<TopologyRegistrar>(std::make_unique<FakeRegistrar>());
  };
  auto message = [&] {
    auto cluster = client.Get(kCurveClusters, "curve", "c1");
    if (!cluster.ok()) return std::string();
    return cluster->value("status", Json::object()).value("message", "");
  };
  std::jthread term(
      [&](std::stop_token stop) { RunLeaderTerm(&client, options, registrar, stop); });
  EXPECT_TRUE(curve::testing::PollUntil(
      [&] { return message().find("used by CurveCluster other/x") != std::string::npos; },
      std::chrono::seconds(10)))
      << message();
  EXPECT_EQ(Deployments(client), 8u);  // etcd and MDS x3, chunkservers on n2 and n3 only
  EXPECT_FALSE(client.Get(k8s::resources::kDeployments, "curve", "c1-chunkserver-n1-sdb").ok());
}

}  // namespace
}  // namespace curve::op
