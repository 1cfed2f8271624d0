// curve-operator end to end against a real kube-apiserver, kube-controller-manager and
// kube-scheduler on real etcd, with kwok simulating the nodes (pods are scheduled and become
// Ready; Job pods succeed) and a real curve-mds on the host (label "k8s").
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <mutex>
#include <set>

#include "operator/integration/operator_kwok_env.h"
#include "operator/k8s/object_meta.h"

namespace curve::op::testing {
namespace {

using curve::testing::PollUntil;
using k8s::Json;
using std::chrono::seconds;

#define ASSERT_OK(expr)                   \
  do {                                    \
    Status status_ = (expr);              \
    ASSERT_TRUE(status_.ok()) << status_; \
  } while (0)

const k8s::Resource kClusters{"operator.curve.io", "v1", "curveclusters"};

class OperatorKwokTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto env = OperatorKwokEnv::Start();
    if (env.status().code() == StatusCode::kNotFound) {
      skip_ = new std::string(env.status().ToString());
      return;
    }
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(env).value().release();
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  void SetUp() override {
    start_ = std::chrono::steady_clock::now();
    if (skip_) GTEST_SKIP() << *skip_;
    ASSERT_NE(env_, nullptr);
    ASSERT_TRUE(env_->StartMds().ok());
    Mark("curve-mds started");
  }

  k8s::KubeClient& client() { return env_->client(); }

  // Prints the time since the case started, to see where a slow run spends it.
  void Mark(const std::string& what) {
    auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_);
    std::fprintf(stderr, "[ %6.1fs ] %s\n", elapsed.count(), what.c_str());
  }
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();

  Json Cluster(const std::string& name) {
    auto got = client().Get(kClusters, "curve", name);
    return got.ok() ? *got : Json::object();
  }
  static std::string ConditionOf(const Json& cluster, const std::string& type) {
    for (const auto& c :
         cluster.value("status", Json::object()).value("conditions", Json::array())) {
      if (c.value("type", "") == type) return c.value("status", "");
    }
    return "";
  }
  // True when condition `type` is True and was computed for the current spec generation (a
  // status from before the latest update does not count).
  static bool ConditionHolds(const Json& cluster, const std::string& type) {
    int64_t generation = cluster.value("metadata", Json::object()).value("generation", int64_t{0});
    for (const auto& c :
         cluster.value("status", Json::object()).value("conditions", Json::array())) {
      if (c.value("type", "") == type) {
        return c.value("status", "") == "True" &&
               c.value("observedGeneration", int64_t{-1}) == generation;
      }
    }
    return false;
  }
  // Waits up to `timeout` for the condition `type` to hold for the current generation.
  void WaitCondition(const std::string& name, const std::string& type, seconds timeout) {
    bool ok = PollUntil([&] { return ConditionHolds(Cluster(name), type); }, timeout);
    ASSERT_TRUE(ok) << name << " never " << type
                    << "; status: " << Cluster(name).value("status", Json::object()).dump();
  }
  // Like WaitCondition, and returns every version of the cluster written after resourceVersion
  // `from` until then (watched, so no intermediate status is missed); observedGeneration, reason
  // and message are checked on every condition of every version.
  std::vector<Json> WaitConditionRecording(const std::string& name, const std::string& type,
                                           const std::string& from, seconds timeout) {
    std::mutex mu;
    std::vector<Json> versions;
    k8s::WatchOptions options;
    options.resource_version = from;
    options.field_selector = "metadata.name=" + name;
    auto stream = client().Watch(
        kClusters, "curve", options,
        [&](k8s::WatchEvent event) {
          if (event.type != k8s::WatchEventType::kModified) return;
          std::lock_guard lock(mu);
          versions.push_back(std::move(event.object));
        },
        [](const Status&) {});
    EXPECT_TRUE(stream.ok()) << stream.status();
    if (!stream.ok()) return {};
    bool ok = PollUntil(
        [&] {
          std::lock_guard lock(mu);
          return !versions.empty() && ConditionHolds(versions.back(), type);
        },
        timeout);
    (*stream)->Stop();
    EXPECT_TRUE(ok) << name << " never " << type
                    << "; status: " << Cluster(name).value("status", Json::object()).dump();
    for (const Json& cluster : versions) {
      for (const auto& c :
           cluster.value("status", Json::object()).value("conditions", Json::array())) {
        EXPECT_EQ(c.value("observedGeneration", int64_t{-1}),
                  cluster["metadata"].value("generation", int64_t{0}))
            << c.dump();
        EXPECT_FALSE(c.value("reason", "").empty()) << c.dump();
        EXPECT_FALSE(c.value("message", "").empty()) << c.dump();
      }
    }
    return versions;
  }
  // Each distinct set of conditions of `versions` in order, as "Type=Status/reason" strings.
  static std::vector<std::string> ConditionHistory(const std::vector<Json>& versions) {
    std::vector<std::string> history;
    for (const Json& cluster : versions) {
      std::string seen;
      for (const auto& c :
           cluster.value("status", Json::object()).value("conditions", Json::array())) {
        seen += (seen.empty() ? "" : " ") + c.value("type", "") + "=" + c.value("status", "") +
                "/" + c.value("reason", "");
      }
      if (!seen.empty() && (history.empty() || history.back() != seen)) history.push_back(seen);
    }
    return history;
  }
  // The phases of `versions` in order, repeats folded ("Creating Progressing Ready").
  static std::string PhaseHistory(const std::vector<Json>& versions) {
    std::string phases, last;
    for (const Json& cluster : versions) {
      std::string phase = cluster.value("status", Json::object()).value("phase", "");
      if (phase.empty() || phase == last) continue;
      phases += (phases.empty() ? "" : " ") + phase;
      last = phase;
    }
    return phases;
  }
  // The first version whose Ready condition holds has copysets in every poolset, all healthy,
  // and every earlier version is not Ready.
  static void ExpectReadyOnlyWithHealthyCopysets(const std::vector<Json>& versions) {
    for (const Json& cluster : versions) {
      const Json status = cluster.value("status", Json::object());
      if (!ConditionHolds(cluster, "Ready")) {
        EXPECT_NE(status.value("phase", ""), "Ready") << status.dump();
        continue;
      }
      EXPECT_EQ(status.value("phase", ""), "Ready");
      const Json poolsets = status.value("poolsets", Json::array());
      EXPECT_FALSE(poolsets.empty()) << status.dump();
      for (const auto& p : poolsets) {
        EXPECT_GT(p.value("copysetsTotal", 0), 0) << p.dump();
        EXPECT_EQ(p.value("copysetsHealthy", -1), p.value("copysetsTotal", 0)) << p.dump();
        EXPECT_EQ(p.value("chunkserversOnline", -1), p.value("chunkservers", 0)) << p.dump();
      }
      return;
    }
    ADD_FAILURE() << "no version was Ready";
  }
  std::vector<Json> Items(const k8s::Resource& resource, const std::string& selector) {
    k8s::ListOptions options;
    options.label_selector = selector;
    auto list = client().ListAll(resource, "curve", options);
    return list.ok() ? list->items : std::vector<Json>{};
  }
  static std::string Of(const std::string& cluster, const std::string& component) {
    return "app.kubernetes.io/instance=" + cluster + ",app.kubernetes.io/component=" + component;
  }
  // name -> uid/resourceVersion of every pod and Deployment of `cluster`.
  std::map<std::string, std::string> Versions(const std::string& cluster) {
    std::map<std::string, std::string> out;
    for (const auto* r : {&k8s::resources::kPods, &k8s::resources::kDeployments}) {
      for (const auto& o : Items(*r, "app.kubernetes.io/instance=" + cluster)) {
        // Job pods (prepare, cleanup) change as the Job controller and kwok finish them.
        if (!o["metadata"].value("ownerReferences", Json::array()).empty() &&
            o["metadata"]["ownerReferences"][0].value("kind", "") == "Job") {
          continue;
        }
        out[r->resource + "/" + k8s::Name(o)] = k8s::Uid(o) + "/" + k8s::ResourceVersion(o);
      }
    }
    return out;
  }
  // Every scheduled chunkserver pod of `cluster` is bound to the node its Deployment is pinned
  // to; returns node -> poolset of the scheduled ones.
  std::map<std::string, std::string> ChunkserverPlacement(const std::string& cluster) {
    std::map<std::string, std::string> placement;
    for (const auto& pod : Items(k8s::resources::kPods, Of(cluster, "chunkserver"))) {
      const Json& labels = pod["metadata"]["labels"];
      std::string node = pod["spec"].value("nodeName", "");
      if (node.empty()) continue;  // not scheduled yet
      EXPECT_EQ(node, labels.value("curve.io/node", "?")) << k8s::Name(pod);
      placement[node] = labels.value("curve.io/poolset", "");
    }
    return placement;
  }
  Json NewCluster(const std::string& name, const std::vector<std::string>& nodes, Json storage) {
    storage["nodes"] = nodes;
    return {{"apiVersion", "operator.curve.io/v1"},
            {"kind", "CurveCluster"},
            {"metadata", {{"name", name}, {"namespace", "curve"}}},
            {"spec",
             {{"curveVersion", {{"image", "curvebs:v1"}}},
              {"nodes", std::vector<std::string>(nodes.begin(), nodes.begin() + 3)},
              {"storage", storage}}}};
  }
  // Waits until operator `id` made no write for `quiet` (it converged); false after `timeout`.
  bool WaitQuiet(const std::string& id, seconds quiet, seconds timeout) {
    size_t last = env_->OperatorWrites(id).size();
    auto since = std::chrono::steady_clock::now();
    return PollUntil(
        [&] {
          size_t now = env_->OperatorWrites(id).size();
          if (now != last) {
            last = now;
            since = std::chrono::steady_clock::now();
          }
          return std::chrono::steady_clock::now() - since >= quiet;
        },
        timeout);
  }

  static OperatorKwokEnv* env_;
  static std::string* skip_;
};

OperatorKwokEnv* OperatorKwokTest::env_ = nullptr;
std::string* OperatorKwokTest::skip_ = nullptr;

TEST_F(OperatorKwokTest, ThreeNodesPlacedRegisteredReadyGrowQuietAndDeleteKeepingData) {
  ASSERT_OK(env_->AddNodes({{"a1", "z1", "10.1.0.1", {{"sdb"}}},
                            {"a2", "z2", "10.1.0.2", {{"sdb"}}},
                            {"a3", "z3", "10.1.0.3", {{"sdb"}}}}));
  ASSERT_TRUE(env_->StartOperator("a").ok());
  Mark("nodes added, operator started");
  Json storage = {{"devices", Json::array({{{"name", "/dev/sdb"}}})}};
  auto created =
      client().Create(kClusters, "curve", NewCluster("three", {"a1", "a2", "a3"}, storage));
  ASSERT_TRUE(created.ok()) << created.status();
  // Conditions over time: Progressing (applying the generation) first, Ready last, only once
  // the MDS reports copysets and all of them healthy; never Degraded on the way (the MDS pods
  // starting, chunkservers registering and copysets being created are all Progressing).
  auto versions =
      WaitConditionRecording("three", "Ready", k8s::ResourceVersion(*created), seconds(60));
  Mark("three Ready: " + PhaseHistory(versions));
  auto history = ConditionHistory(versions);
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(PhaseHistory(versions).find("Degraded"), std::string::npos)
      << PhaseHistory(versions) << "\n"
      << ::testing::PrintToString(history);
  ExpectReadyOnlyWithHealthyCopysets(versions);
  EXPECT_EQ(history.front(),
            "Progressing=True/Applying Ready=False/Applying Degraded=Unknown/Applying")
      << ::testing::PrintToString(history);
  EXPECT_EQ(history.back(),
            "Progressing=False/Reconciled Ready=True/ClusterReady Degraded=False/AsExpected")
      << ::testing::PrintToString(history);
  Json cluster = Cluster("three");
  EXPECT_EQ(cluster["status"]["phase"], "Ready");
  EXPECT_EQ(ConditionOf(cluster, "Progressing"), "False");
  EXPECT_EQ(ConditionOf(cluster, "Degraded"), "False");
  EXPECT_EQ(Items(k8s::resources::kDeployments, "app.kubernetes.io/instance=three").size(), 9u);
  auto placement = ChunkserverPlacement("three");
  EXPECT_EQ(placement.size(), 3u);
  std::set<std::string> etcd_nodes;
  for (const auto& pod : Items(k8s::resources::kPods, Of("three", "etcd"))) {
    etcd_nodes.insert(pod["spec"].value("nodeName", ""));
  }
  EXPECT_EQ(etcd_nodes, (std::set<std::string>{"a1", "a2", "a3"}));

  auto topology = env_->Topology();
  ASSERT_TRUE(topology.ok()) << topology.status();
  EXPECT_EQ(env_->RegisteredChunkservers(), 3u);
  ASSERT_EQ(topology->logical_pools_size(), 1);
  EXPECT_GT(topology->logical_pools(0).copysets_size(), 0);
  std::map<std::string, std::string> zones;  // host -> zone
  for (const auto& s : topology->servers()) zones[s.host()] = s.zone();
  EXPECT_EQ(zones, (std::map<std::string, std::string>{
                       {"10.1.0.1", "z1"}, {"10.1.0.2", "z2"}, {"10.1.0.3", "z3"}}));

  // Growing by a node touches none of the existing pods or Deployments, and the rollout is
  // Progressing until the new chunkserver's copysets are healthy, never Degraded.
  auto before = Versions("three");
  ASSERT_OK(env_->AddNode("a4", "z1", "10.1.0.4", {{"sdb"}}));
  cluster = Cluster("three");
  cluster["spec"]["storage"]["nodes"].push_back("a4");
  auto updated = client().Update(kClusters, "curve", cluster);
  ASSERT_TRUE(updated.ok()) << updated.status();
  versions = WaitConditionRecording("three", "Ready", k8s::ResourceVersion(*updated), seconds(60));
  Mark("three Ready after growing: " + PhaseHistory(versions));
  EXPECT_EQ(PhaseHistory(versions).find("Degraded"), std::string::npos)
      << PhaseHistory(versions) << "\n"
      << ::testing::PrintToString(ConditionHistory(versions));
  EXPECT_EQ(ChunkserverPlacement("three").size(), 4u);
  EXPECT_EQ(env_->RegisteredChunkservers(), 4u);
  auto after = Versions("three");
  for (const auto& [key, version] : before) EXPECT_EQ(after[key], version) << key;
  topology = env_->Topology();
  ASSERT_TRUE(topology.ok());
  EXPECT_EQ(topology->servers_size(), 4);

  // Steady state: several resyncs (every 2 s) make no writes at all.
  ASSERT_TRUE(WaitQuiet("a", seconds(5), seconds(40)));
  Mark("quiet");
  size_t writes = env_->OperatorWrites("a").size();
  std::this_thread::sleep_for(seconds(6));
  auto all = env_->OperatorWrites("a");
  for (size_t i = writes; i < all.size(); ++i) {
    ADD_FAILURE() << "steady-state write: " << all[i].verb << " " << all[i].resource << "/"
                  << all[i].subresource << " " << all[i].name;
  }

  // Deleted without the cleanup confirmation: the finalizer goes, no cleanup Job runs.
  ASSERT_TRUE(client().Delete(kClusters, "curve", "three").ok());
  Mark("delete requested");
  ASSERT_TRUE(PollUntil(
      [&] {
        return client().Get(kClusters, "curve", "three").status().code() == StatusCode::kNotFound;
      },
      seconds(30)));
  EXPECT_TRUE(Items(k8s::resources::kJobs, Of("three", "cleanup")).empty());
  env_->StopOperator("a", SIGTERM);
}

TEST_F(OperatorKwokTest, SixNodesTwoPoolsetsThenConfirmedDeleteRunsCleanupJobs) {
  const char* zones[] = {"z1", "z1", "z2", "z2", "z3", "z3"};
  std::vector<std::string> nodes;
  std::vector<FakeHost> hosts;
  for (int i = 1; i <= 6; ++i) {
    std::string n = "m" + std::to_string(i);
    nodes.push_back(n);
    bool hdd = i % 2 == 0;
    hosts.push_back({n, zones[i - 1], "10.2.0." + std::to_string(i), {{"sdb", hdd}}});
  }
  ASSERT_OK(env_->AddNodes(hosts));
  ASSERT_TRUE(env_->StartOperator("b").ok());
  Mark("nodes added, operator started");
  Json storage = {{"useAllDevices", true},
                  {"deviceFilter", "^sd"},
                  {"poolsets", Json::array({{{"name", "fast"}, {"type", "ssd"}},
                                            {{"name", "bulk"}, {"type", "hdd"}}})}};
  Json cr = NewCluster("mixed", nodes, storage);
  cr["spec"]["cleanupPolicy"] = {{"confirmation", "yes-really-destroy-data"}};
  ASSERT_TRUE(client().Create(kClusters, "curve", cr).ok());
  WaitCondition("mixed", "Ready", seconds(60));
  Mark("mixed Ready");
  EXPECT_EQ(ChunkserverPlacement("mixed"), (std::map<std::string, std::string>{{"m1", "fast"},
                                                                               {"m2", "bulk"},
                                                                               {"m3", "fast"},
                                                                               {"m4", "bulk"},
                                                                               {"m5", "fast"},
                                                                               {"m6", "bulk"}}));
  auto topology = env_->Topology();
  ASSERT_TRUE(topology.ok()) << topology.status();
  std::set<std::string> poolsets;
  for (const auto& p : topology->poolsets()) poolsets.insert(p.name() + ":" + p.type());
  EXPECT_TRUE(poolsets.count("fast:ssd") && poolsets.count("bulk:hdd"));
  std::map<std::string, std::string> pools;  // host -> physical pool
  for (const auto& s : topology->servers()) pools[s.host()] = s.physical_pool();
  EXPECT_EQ(pools.size(), 6u);
  EXPECT_EQ(pools["10.2.0.1"], "fast-pool");
  EXPECT_EQ(pools["10.2.0.2"], "bulk-pool");

  // Confirmed delete: cleanup Jobs run (kwok completes their pods), then the finalizer goes.
  ASSERT_TRUE(client().Delete(kClusters, "curve", "mixed").ok());
  Mark("delete requested");
  ASSERT_TRUE(PollUntil(
      [&] { return !Items(k8s::resources::kJobs, Of("mixed", "cleanup")).empty(); }, seconds(30)));
  ASSERT_TRUE(PollUntil(
      [&] {
        return client().Get(kClusters, "curve", "mixed").status().code() == StatusCode::kNotFound;
      },
      seconds(60)))
      << Cluster("mixed").dump();
  env_->StopOperator("b", SIGTERM);
}

TEST_F(OperatorKwokTest, TooFewDomainsIsDegradedNamingThePoolset) {
  ASSERT_OK(env_->AddNodes({{"d1", "y1", "10.3.0.1", {{"sdb"}}},
                            {"d2", "y1", "10.3.0.2", {{"sdb"}}},
                            {"d3", "y2", "10.3.0.3", {{"sdb"}}}}));
  ASSERT_TRUE(env_->StartOperator("c").ok());
  Mark("nodes added, operator started");
  Json storage = {{"devices", Json::array({{{"name", "/dev/sdb"}}})}};
  ASSERT_TRUE(
      client().Create(kClusters, "curve", NewCluster("thin", {"d1", "d2", "d3"}, storage)).ok());
  WaitCondition("thin", "Degraded", seconds(60));
  Mark("thin Degraded");
  Json cluster = Cluster("thin");
  EXPECT_EQ(cluster["status"]["phase"], "Degraded");
  EXPECT_NE(cluster["status"].value("message", "").find("poolset default"), std::string::npos)
      << cluster["status"].dump();
  ASSERT_TRUE(client().Delete(kClusters, "curve", "thin").ok());
  Mark("delete requested");
  env_->StopOperator("c", SIGTERM);
}

TEST_F(OperatorKwokTest, TwoReplicasOnlyTheLeaderWritesAndAKilledLeaderIsReplaced) {
  ASSERT_OK(env_->AddNodes({{"r1", "z1", "10.4.0.1", {{"sdb"}}},
                            {"r2", "z2", "10.4.0.2", {{"sdb"}}},
                            {"r3", "z3", "10.4.0.3", {{"sdb"}}}}));
  ASSERT_TRUE(env_->StartOperator("p").ok());
  ASSERT_TRUE(env_->StartOperator("q").ok());
  Mark("nodes added, operator started");
  Json storage = {{"devices", Json::array({{{"name", "/dev/sdb"}}})}};
  ASSERT_TRUE(
      client().Create(kClusters, "curve", NewCluster("pair", {"r1", "r2", "r3"}, storage)).ok());
  // Kill whoever writes first in the middle of its first reconcile.
  std::string leader, follower;
  ASSERT_TRUE(PollUntil(
      [&] {
        if (!env_->OperatorWrites("p").empty()) leader = "p", follower = "q";
        if (!env_->OperatorWrites("q").empty()) leader = "q", follower = "p";
        return !leader.empty();
      },
      seconds(30)));
  EXPECT_TRUE(env_->OperatorWrites(follower).empty()) << "both replicas wrote";
  env_->StopOperator(leader, SIGKILL);
  // The follower takes the Lease over and converges.
  WaitCondition("pair", "Ready", seconds(60));
  Mark("pair Ready");
  EXPECT_FALSE(env_->OperatorWrites(follower).empty());
  EXPECT_EQ(Items(k8s::resources::kDeployments, "app.kubernetes.io/instance=pair").size(), 9u);
  EXPECT_EQ(ChunkserverPlacement("pair").size(), 3u);

  // A restarted replica follows: only the current leader writes from now on.
  ASSERT_TRUE(env_->StartOperator(leader + "2").ok());
  ASSERT_TRUE(WaitQuiet(follower, seconds(3), seconds(30)));
  Mark("quiet");
  std::this_thread::sleep_for(seconds(4));
  EXPECT_TRUE(env_->OperatorWrites(leader + "2").empty());
  env_->StopOperator(leader + "2", SIGTERM);
  env_->StopOperator(follower, SIGTERM);
}

}  // namespace
}  // namespace curve::op::testing
