// BuildStatus: the phase and condition decisions as a pure function of what a reconcile saw.
#include "operator/cluster/status_builder.h"

#include <gtest/gtest.h>

#include <functional>

namespace curve::op {
namespace {

using Json = nlohmann::json;

constexpr int64_t kGeneration = 2;

mds::PoolsetHealth* AddPoolset(mds::GetClusterHealthResponse& health, const std::string& name,
                               uint32_t online, uint32_t total, uint32_t copysets_healthy,
                               uint32_t copysets_total) {
  auto* p = health.add_poolsets();
  p->set_poolset(name);
  p->set_chunkservers_online(online);
  p->set_chunkservers_total(total);
  p->set_copysets_healthy(copysets_healthy);
  p->set_copysets_total(copysets_total);
  return p;
}

// A 3-zone cluster of generation 2 with everything in place: every role ready, the topology
// registered, poolset ssd with 3 chunkservers online and 100 healthy copysets (and the MDS's
// empty built-in `default`).
ObservedState Healthy() {
  ObservedState o;
  o.generation = kGeneration;
  o.version = "curvebs:v1";
  o.etcd = {3, 3};
  o.mds = {3, 3};
  o.chunkservers = {3, 3};
  o.placement.poolsets.push_back({"ssd", "ssd", {"z1", "z2", "z3"}, 3});
  o.mds_address = "10.0.0.1:6700";
  o.topology_registered = true;
  mds::GetClusterHealthResponse health;
  health.set_healthy(true);
  AddPoolset(health, "ssd", 3, 3, 100, 100);
  AddPoolset(health, "default", 0, 0, 0, 0);
  o.health = health;
  return o;
}

// A previous status whose cluster was Ready at `generation`.
Json ReadyAt(int64_t generation) {
  return {{"phase", "Ready"}, {"observedGeneration", generation}, {"readyGeneration", generation}};
}

std::string ConditionOf(const Json& status, const std::string& type) {
  for (const auto& c : status["conditions"]) {
    if (c["type"] == type) {
      return c["status"].get<std::string>() + "/" + c["reason"].get<std::string>();
    }
  }
  return "";
}

TEST(BuildStatusTest, PhaseDecisions) {
  const Status refused_connection = UnavailableError("GetClusterHealth: connection refused");
  struct Case {
    const char* name;
    std::function<void(ObservedState&)> change;
    Json previous;
    const char* phase;
    const char* progressing;  // "Status/Reason" of each condition
    const char* ready;
    const char* degraded;
    const char* message;  // a part of status.message
  } cases[] = {
      {"everything in place", [](ObservedState&) {}, Json::object(), "Ready", "False/Reconciled",
       "True/ClusterReady", "False/AsExpected", "100 copysets healthy"},
      {"logical pool not created yet: no copysets is not healthy",
       [](ObservedState& o) {
         o.health->mutable_poolsets(0)->set_copysets_total(0);
         o.health->mutable_poolsets(0)->set_copysets_healthy(0);
       },
       Json::object(), "Progressing", "True/WaitingForCopysets", "False/WaitingForCopysets",
       "False/AsExpected", "waiting for copysets of poolset ssd: none yet"},
      {"copysets being created",
       [](ObservedState& o) {
         o.health->set_healthy(false);
         o.health->mutable_poolsets(0)->set_copysets_healthy(40);
       },
       Json::object(), "Progressing", "True/WaitingForCopysets", "False/WaitingForCopysets",
       "False/AsExpected", "waiting for copysets of poolset ssd: 40/100 healthy"},
      {"chunkservers not all registered with the MDS yet",
       [](ObservedState& o) {
         auto* ssd = o.health->mutable_poolsets(0);
         ssd->set_chunkservers_online(2);
         ssd->set_chunkservers_total(2);
         ssd->set_copysets_total(0);
         ssd->set_copysets_healthy(0);
       },
       Json::object(), "Progressing", "True/WaitingForChunkservers", "False/WaitingForChunkservers",
       "False/AsExpected", "waiting for chunkservers of poolset ssd: 2/3 online in the MDS"},
      {"MDS pods starting: daemons first, the MDS error named too",
       [&](ObservedState& o) {
         o.mds = {0, 3};
         o.chunkservers = {0, 3};
         o.topology_registered = false;
         o.health.reset();
         o.mds_status = refused_connection;
       },
       Json::object(), "Progressing", "True/WaitingForDaemons", "False/WaitingForDaemons",
       "False/AsExpected",
       "waiting for mds 0/3, chunkservers 0/3 ready; MDS at 10.0.0.1:6700: GetClusterHealth: "
       "connection refused"},
      {"MDS not answering while its pods are ready (no leader yet)",
       [&](ObservedState& o) {
         o.topology_registered = false;
         o.health.reset();
         o.mds_status = DeadlineExceededError("ApplyTopology: deadline exceeded");
       },
       Json::object(), "Progressing", "True/WaitingForMds", "False/WaitingForMds",
       "False/AsExpected", "waiting for MDS at 10.0.0.1:6700: ApplyTopology: deadline exceeded"},
      {"nothing ready yet is Creating",
       [&](ObservedState& o) {
         o.etcd = {0, 3};
         o.mds = {0, 3};
         o.chunkservers = {0, 3};
         o.topology_registered = false;
         o.health.reset();
         o.mds_status = refused_connection;
       },
       Json::object(), "Creating", "True/WaitingForDaemons", "False/WaitingForDaemons",
       "False/AsExpected", "waiting for etcd 0/3, mds 0/3, chunkservers 0/3 ready"},
      {"no disk placed",
       [](ObservedState& o) {
         o.chunkservers = {0, 0};
         o.placement.poolsets.clear();
         o.topology_registered = false;
         o.health.reset();
       },
       Json::object(), "Progressing", "True/WaitingForDisks", "False/WaitingForDisks",
       "False/AsExpected", "waiting for a disk to place (no chunkserver)"},
      {"a poolset spanning 2 failure domains is Degraded even when all else is fine",
       [](ObservedState& o) {
         o.placement.problems.push_back(
             {"PoolsetUnderspread", "poolset ssd spans 2 failure domain(s) (z1, z2)"});
       },
       Json::object(), "Degraded", "False/Reconciled", "False/PoolsetUnderspread",
       "True/PoolsetUnderspread", "poolset ssd spans 2 failure domain(s)"},
      {"underspread while coming up: Degraded and still progressing",
       [](ObservedState& o) {
         o.chunkservers = {1, 3};
         o.placement.problems.push_back(
             {"PoolsetUnderspread", "poolset ssd spans 2 failure domain(s) (z1, z2)"});
       },
       Json::object(), "Degraded", "True/WaitingForDaemons", "False/WaitingForDaemons",
       "True/PoolsetUnderspread", "poolset ssd spans 2 failure domain(s)"},
      {"the MDS refusing the topology is Degraded",
       [](ObservedState& o) {
         o.topology_registered = false;
         o.health.reset();
         o.mds_status = InvalidArgumentError("server n1: zone must not be empty");
       },
       Json::object(), "Degraded", "False/Reconciled", "False/TopologyRejected",
       "True/TopologyRejected",
       "the MDS at 10.0.0.1:6700 refused: server n1: zone must not be empty"},
      {"objects the API server refused are Degraded",
       [](ObservedState& o) { o.apply_error = "apply deployments c1-mds-n1: forbidden"; },
       Json::object(), "Degraded", "False/Reconciled", "False/ApplyFailed", "True/ApplyFailed",
       "apply deployments c1-mds-n1: forbidden"},
      {"a Ready cluster whose copysets turn unhealthy is Degraded",
       [](ObservedState& o) {
         o.health->set_healthy(false);
         o.health->mutable_poolsets(0)->set_copysets_healthy(67);
       },
       ReadyAt(kGeneration), "Degraded", "False/Reconciled", "False/CopysetsUnhealthy",
       "True/CopysetsUnhealthy", "copysets of poolset ssd: 67/100 healthy"},
      {"a Ready cluster losing a chunkserver pod is Degraded",
       [](ObservedState& o) {
         o.chunkservers = {2, 3};
       },
       ReadyAt(kGeneration), "Degraded", "False/Reconciled", "False/DaemonsNotReady",
       "True/DaemonsNotReady", "chunkservers 2/3 ready"},
      {"a Ready cluster whose MDS stops answering is Degraded",
       [&](ObservedState& o) {
         o.topology_registered = false;
         o.health.reset();
         o.mds_status = refused_connection;
       },
       ReadyAt(kGeneration), "Degraded", "False/Reconciled", "False/MdsUnreachable",
       "True/MdsUnreachable", "MDS at 10.0.0.1:6700: GetClusterHealth: connection refused"},
      {"a chunkserver offline in the MDS after Ready is Degraded",
       [](ObservedState& o) {
         o.health->set_healthy(false);
         o.health->mutable_poolsets(0)->set_chunkservers_online(2);
       },
       ReadyAt(kGeneration), "Degraded", "False/Reconciled", "False/ChunkserversOffline",
       "True/ChunkserversOffline", "chunkservers of poolset ssd: 2/3 online in the MDS"},
      {"rolling out a new generation after Ready is Progressing, not Degraded",
       [](ObservedState& o) {
         o.chunkservers = {3, 4};
         o.health->set_healthy(false);
         o.health->mutable_poolsets(0)->set_copysets_healthy(90);
       },
       ReadyAt(kGeneration - 1), "Progressing", "True/WaitingForDaemons", "False/WaitingForDaemons",
       "False/AsExpected",
       "waiting for chunkservers 3/4 ready; copysets of poolset ssd: 90/100 healthy"},
      {"a status from before readyGeneration: phase Ready at this generation counts",
       [](ObservedState& o) {
         o.chunkservers = {2, 3};
       },
       {{"phase", "Ready"}, {"observedGeneration", kGeneration}},
       "Degraded",
       "False/Reconciled",
       "False/DaemonsNotReady",
       "True/DaemonsNotReady",
       "chunkservers 2/3 ready"},
      {"Degraded after Ready, then healthy again: Ready",
       [](ObservedState&) {},
       {{"phase", "Degraded"}, {"readyGeneration", kGeneration}},
       "Ready",
       "False/Reconciled",
       "True/ClusterReady",
       "False/AsExpected",
       "every daemon ready"},
      {"another poolset of the MDS unhealthy",
       [](ObservedState& o) {
         o.health->set_healthy(false);
         AddPoolset(*o.health, "old", 2, 3, 10, 10);
       },
       Json::object(), "Progressing", "True/WaitingForChunkservers", "False/WaitingForChunkservers",
       "False/AsExpected", "waiting for chunkservers of poolset old: 2/3 online in the MDS"},
      {"the MDS's overall verdict counts when every poolset looks fine",
       [](ObservedState& o) { o.health->set_healthy(false); }, Json::object(), "Progressing",
       "True/WaitingForClusterHealth", "False/WaitingForClusterHealth", "False/AsExpected",
       "waiting for the MDS to report the cluster healthy"},
      {"poolset missing from the MDS health summary",
       [](ObservedState& o) { o.health->mutable_poolsets(0)->set_poolset("other"); },
       Json::object(), "Progressing", "True/WaitingForTopology", "False/WaitingForTopology",
       "False/AsExpected", "waiting for poolset ssd in the MDS health summary"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ObservedState o = Healthy();
    c.change(o);
    Json status = BuildStatus(o, c.previous, "2026-11-21T13:00:00Z");
    EXPECT_EQ(status["phase"], c.phase);
    EXPECT_EQ(ConditionOf(status, "Progressing"), c.progressing);
    EXPECT_EQ(ConditionOf(status, "Ready"), c.ready);
    EXPECT_EQ(ConditionOf(status, "Degraded"), c.degraded);
    EXPECT_NE(status["message"].get<std::string>().find(c.message), std::string::npos)
        << status["message"];
    for (const auto& condition : status["conditions"]) {
      EXPECT_EQ(condition["observedGeneration"], kGeneration) << condition;
      EXPECT_FALSE(condition["message"].get<std::string>().empty()) << condition;
    }
    if (status["phase"] == "Ready") {
      EXPECT_EQ(status["readyGeneration"], kGeneration);
    } else if (c.previous.contains("readyGeneration")) {
      EXPECT_EQ(status["readyGeneration"], c.previous["readyGeneration"]) << "kept";
    } else if (c.previous.value("phase", "") == "Ready") {
      EXPECT_EQ(status["readyGeneration"], c.previous["observedGeneration"]) << "derived";
    } else {
      EXPECT_FALSE(status.contains("readyGeneration")) << "never Ready";
    }
  }
}

TEST(BuildStatusTest, TransitionTimeKeptWhileAConditionHoldsAndPoolsetFigures) {
  ObservedState o = Healthy();
  o.health->mutable_poolsets(0)->set_capacity_bytes(3ull << 40);
  o.health->mutable_poolsets(0)->set_used_bytes(1ull << 30);
  Json first = BuildStatus(o, Json::object(), "2026-11-21T13:00:00Z");
  Json second = BuildStatus(o, first, "2026-11-21T13:05:00Z");
  EXPECT_EQ(first, second) << "a steady state builds the same status";
  o.chunkservers = {2, 3};
  Json third = BuildStatus(o, second, "2026-11-21T13:10:00Z");
  for (const auto& c : third["conditions"]) {
    // Ready and Degraded flipped; Progressing stayed False (nothing being rolled out).
    EXPECT_EQ(c["lastTransitionTime"],
              c["type"] == "Progressing" ? "2026-11-21T13:00:00Z" : "2026-11-21T13:10:00Z")
        << c;
  }
  const Json& ssd = second["poolsets"][0];
  EXPECT_EQ(ssd["name"], "ssd");
  EXPECT_EQ(ssd["copysetsHealthy"], 100);
  EXPECT_EQ(ssd["copysetsTotal"], 100);
  EXPECT_EQ(ssd["chunkserversOnline"], 3);
  EXPECT_EQ(ssd["capacityBytes"], 3ull << 40);
  EXPECT_EQ(ssd["failureDomains"], Json({"z1", "z2", "z3"}));
}

TEST(BuildStatusTest, ApplyingANewGenerationKeepsReadyGeneration) {
  Json previous = BuildStatus(Healthy(), Json::object(), "2026-11-21T13:00:00Z");
  Json applying = BuildApplyingStatus(previous, kGeneration + 1, "2026-11-21T13:01:00Z");
  EXPECT_EQ(applying["phase"], "Progressing");
  EXPECT_EQ(applying["observedGeneration"], kGeneration + 1);
  EXPECT_EQ(applying["readyGeneration"], kGeneration);
  EXPECT_EQ(ConditionOf(applying, "Progressing"), "True/Applying");
  EXPECT_EQ(ConditionOf(applying, "Ready"), "False/Applying");
  EXPECT_EQ(applying["conditions"][2]["status"], "Unknown");
  // The new generation still coming up is Progressing, not Degraded.
  ObservedState o = Healthy();
  o.generation = kGeneration + 1;
  o.chunkservers = {3, 4};
  EXPECT_EQ(BuildStatus(o, applying, "2026-11-21T13:02:00Z")["phase"], "Progressing");
}

}  // namespace
}  // namespace curve::op
