// The reconcile loop against the in-memory FakeKubeClient and a fake MDS registrar.
#include "operator/cluster/cluster_reconciler.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "common/testing/subprocess.h"
#include "operator/k8s/fake_kube_client.h"
#include "operator/k8s/object_meta.h"

namespace curve::op {
namespace {

using k8s::Json;

// What the fake MDS answers; the test changes it between reconciles.
struct FakeMds {
  Status status;  // returned by every call when not OK
  mds::GetClusterHealthResponse health;
  std::vector<mds::ApplyTopologyRequest> requests;
};

class FakeRegistrar : public TopologyRegistrar {
 public:
  explicit FakeRegistrar(FakeMds* mds) : mds_(mds) {}
  Result<std::vector<std::string>> Apply(const mds::ApplyTopologyRequest& request) override {
    if (!mds_->status.ok()) return mds_->status;
    mds_->requests.push_back(request);
    return std::vector<std::string>{};
  }
  Result<mds::GetClusterHealthResponse> Health() override {
    if (!mds_->status.ok()) return mds_->status;
    return mds_->health;
  }

 private:
  FakeMds* mds_;
};

// The MDS right after the topology is registered: `default` known, no copysets yet.
mds::GetClusterHealthResponse NoCopysetsYet() {
  mds::GetClusterHealthResponse response;
  response.set_healthy(true);
  auto* p = response.add_poolsets();
  p->set_poolset("default");
  p->set_capacity_bytes(3ull << 40);
  p->set_used_bytes(1ull << 30);
  return response;
}

Json NodeObject(const std::string& name, const std::string& zone) {
  DiscoveredDevice disk;
  disk.name = "sdb";
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"labels", {{"topology.kubernetes.io/zone", zone}}},
            {"annotations", {{kDiscoveredDevicesAnnotation, FormatDiscoveryReport({disk})}}}}},
          {"status",
           {{"addresses",
             Json::array({{{"type", "InternalIP"}, {"address", "10.0.0." + name.substr(1)}}})}}}};
}

Json ClusterObject(bool confirmed) {
  Json spec = {
      {"curveVersion", {{"image", "curvebs:v1"}}},
      {"nodes", {"n1", "n2", "n3"}},
      {"storage",
       {{"nodes", {"n1", "n2", "n3"}}, {"devices", Json::array({{{"name", "/dev/sdb"}}})}}}};
  if (confirmed) spec["cleanupPolicy"] = {{"confirmation", kCleanupConfirmation}};
  return {{"apiVersion", kApiVersion},
          {"kind", kKind},
          {"metadata", {{"name", "c1"}, {"namespace", "curve"}}},
          {"spec", spec}};
}

class ClusterReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reconciler_ = std::make_unique<ClusterReconciler>(
        &client_, ReconcilerOptions{"127.0.0.1:1", std::chrono::seconds(30), nullptr, nullptr},
        [this](const std::string&) -> Result<std::unique_ptr<TopologyRegistrar>> {
          return std::unique_ptr<TopologyRegistrar>(std::make_unique<FakeRegistrar>(&mds_));
        });
    mds_.health = NoCopysetsYet();
  }
  // Every Deployment of c1 with a ready replica (or, with `ready` false, none).
  void SetDeploymentsReady(bool ready) {
    auto deployments = client_.ListAll(k8s::resources::kDeployments, "curve");
    ASSERT_TRUE(deployments.ok()) << deployments.status();
    for (Json d : deployments->items) {
      d["status"] = {{"readyReplicas", ready ? 1 : 0}};
      ASSERT_TRUE(client_.UpdateStatus(k8s::resources::kDeployments, "curve", d).ok());
    }
  }
  void AddNodes(const std::vector<std::pair<std::string, std::string>>& nodes) {
    for (const auto& [name, zone] : nodes) {
      ASSERT_TRUE(client_.Create(k8s::resources::kNodes, "", NodeObject(name, zone)).ok());
    }
  }
  Json Get() { return client_.Get(kCurveClusters, "curve", "c1").value(); }
  std::string Condition(const Json& cluster, const std::string& type) {
    for (const auto& c : cluster["status"]["conditions"]) {
      if (c["type"] == type)
        return c["status"].get<std::string>() + "/" + c["reason"].get<std::string>();
    }
    return "";
  }

  k8s::FakeKubeClient client_;
  std::unique_ptr<ClusterReconciler> reconciler_;
  FakeMds mds_;
};

TEST_F(ClusterReconcilerTest, CreatesObjectsRegistersTopologyAndReportsStatus) {
  AddNodes({{"n1", "z1"}, {"n2", "z2"}, {"n3", "z3"}});
  ASSERT_TRUE(client_.Create(kCurveClusters, "curve", ClusterObject(false)).ok());
  auto result = reconciler_->Reconcile("curve/c1");
  ASSERT_TRUE(result.ok()) << result.status();
  Json cluster = Get();
  EXPECT_TRUE(k8s::HasFinalizer(cluster, kFinalizer));
  auto deployments = client_.ListAll(k8s::resources::kDeployments, "curve").value();
  EXPECT_EQ(deployments.items.size(), 9u);  // 3 etcd, 3 mds, 3 chunkservers
  EXPECT_EQ(client_.ListAll(k8s::resources::kJobs, "curve")->items.size(), 3u);
  ASSERT_EQ(mds_.requests.size(), 1u);
  EXPECT_EQ(mds_.requests[0].servers_size(), 3);
  EXPECT_EQ(cluster["status"]["phase"], "Creating");
  EXPECT_EQ(cluster["status"]["chunkservers"]["display"], "0/3");
  EXPECT_EQ(Condition(cluster, "Degraded"), "False/AsExpected");
  EXPECT_EQ(Condition(cluster, "Ready"), "False/WaitingForDaemons");
  EXPECT_EQ(cluster["status"]["poolsets"][0]["capacityBytes"], 3ull << 40);
  EXPECT_EQ(cluster["status"]["conditions"][0]["observedGeneration"], k8s::Generation(cluster));

  // Nothing changed: a steady-state reconcile makes no write at all.
  std::string version = k8s::ResourceVersion(Get());
  int64_t writes = client_.writes();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  EXPECT_EQ(client_.writes(), writes);
  EXPECT_EQ(k8s::ResourceVersion(Get()), version);
}

// Watchers see every new generation as Progressing before any object is applied (kwok makes
// every daemon ready before the first reconcile ends, so the final status alone could skip it).
TEST_F(ClusterReconcilerTest, NewGenerationIsAnnouncedBeforeApplying) {
  AddNodes({{"n1", "z1"}, {"n2", "z2"}, {"n3", "z3"}});
  auto created = client_.Create(kCurveClusters, "curve", ClusterObject(false));
  ASSERT_TRUE(created.ok());
  std::mutex mu;
  std::vector<Json> statuses;
  k8s::WatchOptions options;
  options.resource_version = k8s::ResourceVersion(*created);
  auto stream = client_.Watch(
      kCurveClusters, "curve", options,
      [&](k8s::WatchEvent event) {
        std::lock_guard lock(mu);
        if (event.object.contains("status")) statuses.push_back(event.object["status"]);
      },
      [](const Status&) {});
  ASSERT_TRUE(stream.ok()) << stream.status();
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  ASSERT_TRUE(curve::testing::PollUntil(
      [&] {
        std::lock_guard lock(mu);
        return statuses.size() >= 2;
      },
      std::chrono::seconds(5)));
  (*stream)->Stop();
  EXPECT_EQ(statuses[0]["phase"], "Creating");
  EXPECT_EQ(statuses[0]["observedGeneration"], 1);
  EXPECT_EQ(statuses[0]["conditions"][0]["reason"], "Applying");
  EXPECT_EQ(statuses[0]["conditions"][2]["status"], "Unknown");
  EXPECT_TRUE(statuses[0]["chunkservers"].is_null());  // written before anything was observed
  EXPECT_EQ(statuses.back()["conditions"][0]["reason"], "WaitingForDaemons");

  // The next reconcile of the same generation writes nothing.
  int64_t writes = client_.writes();
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  EXPECT_EQ(client_.writes(), writes);
}

// Regression: the cluster went Degraded while its MDS pods started (the topology call was
// refused) and Ready before the MDS had created a single copyset.
TEST_F(ClusterReconcilerTest, ReadyOnlyWithHealthyCopysetsAndNeverDegradedWhileComingUp) {
  AddNodes({{"n1", "z1"}, {"n2", "z2"}, {"n3", "z3"}});
  ASSERT_TRUE(client_.Create(kCurveClusters, "curve", ClusterObject(false)).ok());
  mds_.status = UnavailableError("ApplyTopology: connection refused (tried 10.0.0.1:6700)");
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  Json cluster = Get();
  EXPECT_EQ(cluster["status"]["phase"], "Creating");
  EXPECT_EQ(Condition(cluster, "Degraded"), "False/AsExpected");
  EXPECT_NE(cluster["status"]["message"].get<std::string>().find(
                "MDS at 127.0.0.1:1: ApplyTopology: connection refused"),
            std::string::npos)
      << cluster["status"]["message"];

  // Every pod ready, the MDS still not answering: Progressing, waiting for the MDS.
  SetDeploymentsReady(true);
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  cluster = Get();
  EXPECT_EQ(cluster["status"]["phase"], "Progressing");
  EXPECT_EQ(Condition(cluster, "Progressing"), "True/WaitingForMds");
  EXPECT_EQ(Condition(cluster, "Degraded"), "False/AsExpected");

  // The MDS answers, but has no copyset yet.
  mds_.status = Status();
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  cluster = Get();
  EXPECT_EQ(cluster["status"]["phase"], "Progressing");
  EXPECT_EQ(Condition(cluster, "Ready"), "False/WaitingForChunkservers");
  auto* pool = mds_.health.mutable_poolsets(0);
  pool->set_chunkservers_online(3);
  pool->set_chunkservers_total(3);
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  EXPECT_EQ(Condition(Get(), "Ready"), "False/WaitingForCopysets");

  // Copysets created and all healthy: Ready, at this generation.
  pool->set_copysets_total(100);
  pool->set_copysets_healthy(100);
  auto result = reconciler_->Reconcile("curve/c1");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->requeue_after, std::chrono::seconds(30));
  cluster = Get();
  EXPECT_EQ(cluster["status"]["phase"], "Ready");
  EXPECT_EQ(cluster["status"]["readyGeneration"], k8s::Generation(cluster));
  EXPECT_EQ(cluster["status"]["poolsets"][0]["copysetsHealthy"], 100);

  // Health lost at the same generation: Degraded; back to healthy: Ready again.
  pool->set_copysets_healthy(60);
  mds_.health.set_healthy(false);
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  cluster = Get();
  EXPECT_EQ(cluster["status"]["phase"], "Degraded");
  EXPECT_EQ(Condition(cluster, "Degraded"), "True/CopysetsUnhealthy");
  pool->set_copysets_healthy(100);
  mds_.health.set_healthy(true);
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  EXPECT_EQ(Get()["status"]["phase"], "Ready");
}

TEST_F(ClusterReconcilerTest, DriftedOrForeignEditedObjectsAreAppliedAgain) {
  AddNodes({{"n1", "z1"}, {"n2", "z2"}, {"n3", "z3"}});
  ASSERT_TRUE(client_.Create(kCurveClusters, "curve", ClusterObject(false)).ok());
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  auto deployments = client_.ListAll(k8s::resources::kDeployments, "curve").value();
  Json edited = deployments.items[0];
  std::string image = edited["spec"]["template"]["spec"]["containers"][0]["image"];
  edited["spec"]["template"]["spec"]["containers"][0]["image"] = "someone-else:v0";
  ASSERT_TRUE(client_.Update(k8s::resources::kDeployments, "curve", edited).ok());
  int64_t writes = client_.writes();
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  EXPECT_EQ(client_.writes(), writes + 1);  // exactly the drifted Deployment
  auto fixed = client_.Get(k8s::resources::kDeployments, "curve", k8s::Name(edited)).value();
  EXPECT_EQ(fixed["spec"]["template"]["spec"]["containers"][0]["image"], image);
}

// Regression: with useAllDevices, a disk whose prepare Job made its file system (discovery then
// reports ext4 and a mount point) must stay claimed, not drop out of the placement.
TEST_F(ClusterReconcilerTest, ClaimedDiskStaysWhenDiscoveryReportsItsFileSystem) {
  AddNodes({{"n1", "z1"}, {"n2", "z2"}, {"n3", "z3"}});
  Json object = ClusterObject(false);
  object["spec"]["storage"].erase("devices");
  object["spec"]["storage"]["useAllDevices"] = true;
  ASSERT_TRUE(client_.Create(kCurveClusters, "curve", object).ok());
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  EXPECT_EQ(Get()["status"]["chunkservers"]["display"], "0/3");

  DiscoveredDevice formatted;
  formatted.name = "sdb";
  formatted.fstype = "ext4";
  formatted.mountpoint = "/curvebs/chunkserver/sdb";
  for (const char* name : {"n1", "n2", "n3"}) {
    Json node = client_.Get(k8s::resources::kNodes, "", name).value();
    node["metadata"]["annotations"][kDiscoveredDevicesAnnotation] =
        FormatDiscoveryReport({formatted});
    ASSERT_TRUE(client_.Update(k8s::resources::kNodes, "", node).ok());
  }
  int64_t writes = client_.writes();
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  EXPECT_EQ(client_.writes(), writes);  // same objects, same status
  EXPECT_EQ(Get()["status"]["chunkservers"]["display"], "0/3");
  ASSERT_EQ(mds_.requests.size(), 2u);
  EXPECT_EQ(mds_.requests[1].servers_size(), 3);

  // A formatted disk nobody claimed is still left alone.
  Json other = ClusterObject(false);
  other["metadata"]["name"] = "c2";
  other["spec"]["storage"].erase("devices");
  other["spec"]["storage"]["useAllDevices"] = true;
  ASSERT_TRUE(client_.Create(kCurveClusters, "curve", other).ok());
  ASSERT_TRUE(reconciler_->Reconcile("curve/c2").ok());
  k8s::ListOptions c2;
  c2.label_selector = "app.kubernetes.io/instance=c2,app.kubernetes.io/component=chunkserver";
  EXPECT_TRUE(client_.ListAll(k8s::resources::kDeployments, "curve", c2)->items.empty());
}

// Forwards to a FakeKubeClient; applying the Deployment named `fail_apply_of` fails.
class FailingApplyClient : public k8s::KubeClient {
 public:
  explicit FailingApplyClient(k8s::FakeKubeClient* fake) : fake_(fake) {}
  std::string fail_apply_of;

  Result<Json> Get(const k8s::Resource& r, std::string_view ns, std::string_view name,
                   std::string_view sub) override {
    return fake_->Get(r, ns, name, sub);
  }
  Result<k8s::ListPage> List(const k8s::Resource& r, std::string_view ns,
                             const k8s::ListOptions& o) override {
    return fake_->List(r, ns, o);
  }
  Result<std::unique_ptr<k8s::WatchStream>> Watch(const k8s::Resource& r, std::string_view ns,
                                                  const k8s::WatchOptions& o,
                                                  k8s::WatchEventHandler on_event,
                                                  k8s::WatchDoneHandler on_done) override {
    return fake_->Watch(r, ns, o, std::move(on_event), std::move(on_done));
  }
  Result<Json> Create(const k8s::Resource& r, std::string_view ns, const Json& object,
                      const k8s::WriteOptions& o) override {
    return fake_->Create(r, ns, object, o);
  }
  Result<Json> Update(const k8s::Resource& r, std::string_view ns, const Json& object,
                      std::string_view sub, const k8s::WriteOptions& o) override {
    return fake_->Update(r, ns, object, sub, o);
  }
  Result<Json> Apply(const k8s::Resource& r, std::string_view ns, std::string_view name,
                     const Json& object, const k8s::ApplyOptions& o,
                     std::string_view sub) override {
    if (r == k8s::resources::kDeployments && name == fail_apply_of) {
      return UnavailableError("injected failure applying " + std::string(name));
    }
    return fake_->Apply(r, ns, name, object, o, sub);
  }
  Result<Json> MergePatch(const k8s::Resource& r, std::string_view ns, std::string_view name,
                          const Json& patch, std::string_view sub,
                          const k8s::WriteOptions& o) override {
    return fake_->MergePatch(r, ns, name, patch, sub, o);
  }
  Status Delete(const k8s::Resource& r, std::string_view ns, std::string_view name,
                const k8s::DeleteOptions& o) override {
    return fake_->Delete(r, ns, name, o);
  }

 private:
  k8s::FakeKubeClient* fake_;
};

// 3 nodes x 24 disks: 144 chunkserver objects, applied as they are built in batches of
// 16 x apply_parallelism. A failure stops the batches after it; the next reconcile completes.
// Live copies come from a lookup and lists from a lister that keeps only metadata and status
// (an informer cache's contract); create-only Jobs are looked up there, not fetched.
TEST_F(ClusterReconcilerTest, ManyDisksAppliedInBatchesFromCachesStoppingAtAFailure) {
  for (int i = 1; i <= 3; ++i) {
    std::vector<DiscoveredDevice> disks;
    for (int d = 0; d < 24; ++d) {
      DiscoveredDevice disk;
      disk.name = "sd" + std::string(1, static_cast<char>('b' + d));
      disks.push_back(disk);
    }
    Json node = NodeObject("n" + std::to_string(i), "z" + std::to_string(i));
    node["metadata"]["annotations"][kDiscoveredDevicesAnnotation] = FormatDiscoveryReport(disks);
    ASSERT_TRUE(client_.Create(k8s::resources::kNodes, "", node).ok());
  }
  Json object = ClusterObject(false);
  object["spec"]["storage"].erase("devices");
  object["spec"]["storage"]["useAllDevices"] = true;
  ASSERT_TRUE(client_.Create(kCurveClusters, "curve", object).ok());

  FailingApplyClient client(&client_);
  client.fail_apply_of = "c1-chunkserver-n2-sdm";
  std::mutex mu;
  std::multiset<std::string> looked_up;
  ReconcilerOptions options{"127.0.0.1:1", std::chrono::seconds(30), nullptr, nullptr};
  options.apply_parallelism = 2;
  options.lookup = [&](const k8s::Resource& resource, const std::string& ns,
                       const std::string& name) -> std::optional<Json> {
    {
      std::lock_guard lock(mu);
      looked_up.insert(name);
    }
    auto got = client_.Get(resource, ns, name);
    if (!got.ok()) return std::nullopt;
    return std::move(got).value();
  };
  options.lister = [&](const k8s::Resource& resource, const std::string& ns,
                       const std::string& selector) -> std::optional<std::vector<Json>> {
    k8s::ListOptions list;
    list.label_selector = selector;
    auto all = client_.ListAll(resource, ns, list);
    if (!all.ok()) return std::nullopt;
    std::vector<Json> out;
    for (auto& item : all->items) {
      Json kept = {{"metadata", item["metadata"]}};
      if (item.contains("status")) kept["status"] = item["status"];
      out.push_back(std::move(kept));
    }
    return out;
  };
  ClusterReconciler reconciler(&client, options, [this](const std::string&) {
    return Result<std::unique_ptr<TopologyRegistrar>>(std::make_unique<FakeRegistrar>(&mds_));
  });
  auto chunkservers = [&] {
    k8s::ListOptions list;
    list.label_selector = std::string(kLabelComponent) + "=chunkserver";
    return client_.ListAll(k8s::resources::kDeployments, "curve", list)->items.size();
  };

  auto failed = reconciler.Reconcile("curve/c1");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("injected failure applying c1-chunkserver-n2-sdm"),
            std::string::npos)
      << failed.status();
  // n1's 24 and n2's first disks went in earlier batches; nothing after the failed batch.
  EXPECT_GT(chunkservers(), 24u);
  EXPECT_LT(chunkservers(), 48u);

  client.fail_apply_of.clear();
  ASSERT_TRUE(reconciler.Reconcile("curve/c1").ok());
  EXPECT_EQ(chunkservers(), 72u);
  EXPECT_EQ(client_.ListAll(k8s::resources::kJobs, "curve")->items.size(), 72u);
  EXPECT_EQ(Get()["status"]["chunkservers"]["display"], "0/72");
  EXPECT_TRUE(looked_up.count("c1-prepare-n3-sdy"));

  // Steady: no writes, and the Jobs are not fetched from the API server one by one.
  int64_t writes = client_.writes();
  int64_t gets = client_.Calls("get");
  looked_up.clear();
  ASSERT_TRUE(reconciler.Reconcile("curve/c1").ok());
  EXPECT_EQ(client_.writes(), writes);
  EXPECT_EQ(looked_up.size(), static_cast<size_t>(client_.Calls("get") - gets - 1));  // + the CR
}

TEST(ContainsFieldsTest, Table) {
  struct Case {
    const char* live;
    const char* desired;
    bool contains;
  } cases[] = {
      {R"({"a":1,"b":{"c":"x","d":2}})", R"({"b":{"c":"x"}})", true},
      {R"({"a":1})", R"({"a":1.0})", true},
      {R"({"a":1})", R"({"a":2})", false},
      {R"({"a":[{"x":1,"default":true}]})", R"({"a":[{"x":1}]})", true},
      {R"({"a":[{"x":1},{"x":2}]})", R"({"a":[{"x":1}]})", false},
      {R"({"a":{}})", R"({"a":{"b":null}})", false},
      {R"({"a":"1"})", R"({"a":1})", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ContainsFields(Json::parse(c.live), Json::parse(c.desired)), c.contains)
        << c.live << " vs " << c.desired;
  }
}

TEST_F(ClusterReconcilerTest, TooFewDomainsIsDegraded) {
  AddNodes({{"n1", "z1"}, {"n2", "z1"}, {"n3", "z2"}});
  ASSERT_TRUE(client_.Create(kCurveClusters, "curve", ClusterObject(false)).ok());
  auto result = reconciler_->Reconcile("curve/c1");
  ASSERT_TRUE(result.ok());
  // Not Ready: looked at again within seconds, not at the 30 s resync (MDS health changes
  // without an event; the first real cluster stayed Progressing for a whole resync).
  EXPECT_LE(result->requeue_after, std::chrono::seconds(5));
  Json cluster = Get();
  EXPECT_EQ(cluster["status"]["phase"], "Degraded");
  EXPECT_EQ(Condition(cluster, "Degraded"), "True/PoolsetUnderspread");
  EXPECT_NE(cluster["status"]["message"].get<std::string>().find(
                "poolset default spans 2 failure domain(s) (z1, z2)"),
            std::string::npos);
}

TEST_F(ClusterReconcilerTest, DeleteWithoutConfirmationKeepsData) {
  AddNodes({{"n1", "z1"}, {"n2", "z2"}, {"n3", "z3"}});
  ASSERT_TRUE(client_.Create(kCurveClusters, "curve", ClusterObject(false)).ok());
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  ASSERT_TRUE(client_.Delete(kCurveClusters, "curve", "c1").ok());
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  EXPECT_EQ(client_.Get(kCurveClusters, "curve", "c1").status().code(), StatusCode::kNotFound);
  k8s::ListOptions cleanup;
  cleanup.label_selector = std::string(kLabelComponent) + "=cleanup";
  EXPECT_TRUE(client_.ListAll(k8s::resources::kJobs, "curve", cleanup)->items.empty());
}

TEST_F(ClusterReconcilerTest, DeleteWithConfirmationWaitsForCleanupJobsAcrossRestarts) {
  AddNodes({{"n1", "z1"}, {"n2", "z2"}, {"n3", "z3"}});
  ASSERT_TRUE(client_.Create(kCurveClusters, "curve", ClusterObject(true)).ok());
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  // A chunkserver pod still running: its disk is mounted, so no cleanup yet.
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", "c1-chunkserver-n1-sdb-x"},
                {"namespace", "curve"},
                {"labels", {{kLabelInstance, "c1"}, {kLabelComponent, "chunkserver"}}}}}};
  ASSERT_TRUE(client_.Create(k8s::resources::kPods, "curve", pod).ok());
  ASSERT_TRUE(client_.Delete(kCurveClusters, "curve", "c1").ok());
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  k8s::ListOptions cleanup;
  cleanup.label_selector = std::string(kLabelComponent) + "=cleanup";
  EXPECT_TRUE(client_.ListAll(k8s::resources::kJobs, "curve", cleanup)->items.empty());
  auto daemons = client_.ListAll(k8s::resources::kDeployments, "curve").value();
  ASSERT_FALSE(daemons.items.empty());
  for (const auto& d : daemons.items) EXPECT_EQ(d["spec"]["replicas"], 0) << k8s::Name(d);
  ASSERT_TRUE(client_.Delete(k8s::resources::kPods, "curve", "c1-chunkserver-n1-sdb-x").ok());
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  auto jobs = client_.ListAll(k8s::resources::kJobs, "curve", cleanup).value();
  ASSERT_EQ(jobs.items.size(), 3u);
  // Disks are unmounted on the host (Bidirectional) before the wipe, and a failed wipe fails.
  const Json& container = jobs.items[0]["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["volumeMounts"][0]["mountPropagation"], "Bidirectional");
  std::string script = container["command"][2];
  EXPECT_EQ(script.rfind("set -eu\n", 0), 0u) << script;
  EXPECT_LT(script.find("umount"), script.find("wipefs -a /dev/sdb")) << script;
  EXPECT_TRUE(client_.Get(kCurveClusters, "curve", "c1").ok());  // waits for the jobs

  // A new operator process (a fresh reconciler) picks up where the old one stopped.
  SetUp();
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  EXPECT_EQ(client_.ListAll(k8s::resources::kJobs, "curve", cleanup)->items.size(), 3u);
  for (auto job : jobs.items) {
    job["status"] = {{"succeeded", 1}};
    ASSERT_TRUE(client_.UpdateStatus(k8s::resources::kJobs, "curve", job).ok());
  }
  ASSERT_TRUE(reconciler_->Reconcile("curve/c1").ok());
  EXPECT_EQ(client_.Get(kCurveClusters, "curve", "c1").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace curve::op
