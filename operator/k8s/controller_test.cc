#include "operator/k8s/controller.h"

#include <gtest/gtest.h>

#include "common/testing/subprocess.h"
#include "operator/k8s/event_recorder.h"
#include "operator/k8s/fake_kube_client.h"
#include "operator/k8s/leader_elector.h"
#include "operator/k8s/object_meta.h"

namespace curve::k8s {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::PollUntil;

InformerOptions InformerOptionsFor(const std::string& ns) {
  InformerOptions options;
  options.ns = ns;
  return options;
}

ControllerOptions Workers(int workers) {
  ControllerOptions options;
  options.workers = workers;
  options.rate_limiter.base_delay = milliseconds(1);
  options.rate_limiter.max_delay = milliseconds(20);
  return options;
}

ApplyOptions Manager(const std::string& manager) {
  ApplyOptions options;
  options.field_manager = manager;
  return options;
}

Json ConfigMap(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}};
}

TEST(FakeKubeClientTest, OptimisticConcurrencyAndFinalizers) {
  FakeKubeClient client;
  auto created = client.Create(resources::kConfigMaps, "ns", ConfigMap("a"));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(client.Create(resources::kConfigMaps, "ns", ConfigMap("a")).status().code(),
            StatusCode::kAlreadyExists);
  Json stale = *created;
  Json fresh = *created;
  fresh["data"] = {{"k", "v"}};
  ASSERT_TRUE(client.Update(resources::kConfigMaps, "ns", fresh).ok());
  stale["data"] = {{"k", "other"}};
  EXPECT_EQ(client.Update(resources::kConfigMaps, "ns", stale).status().code(),
            StatusCode::kAborted);

  auto current = *client.Get(resources::kConfigMaps, "ns", "a");
  EXPECT_EQ(Generation(current), 2);
  AddFinalizer(current, "curve.io/x");
  current = *client.Update(resources::kConfigMaps, "ns", current);
  ASSERT_TRUE(client.Delete(resources::kConfigMaps, "ns", "a").ok());
  current = *client.Get(resources::kConfigMaps, "ns", "a");
  EXPECT_TRUE(IsBeingDeleted(current)) << "kept while a finalizer is pending";
  RemoveFinalizer(current, "curve.io/x");
  ASSERT_TRUE(client.Update(resources::kConfigMaps, "ns", current).ok());
  EXPECT_EQ(client.Get(resources::kConfigMaps, "ns", "a").status().code(), StatusCode::kNotFound);
}

TEST(FakeKubeClientTest, StatusSubresourceAndNoOpWrites) {
  FakeKubeClient client;
  Json obj = ConfigMap("a");
  obj["spec"] = {{"x", 1}};
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", obj).ok());
  ASSERT_TRUE(client
                  .Apply(resources::kConfigMaps, "ns", "a", {{"status", {{"phase", "Ready"}}}},
                         Manager("m"), "status")
                  .ok());
  auto got = *client.Get(resources::kConfigMaps, "ns", "a");
  EXPECT_EQ(got["status"]["phase"], "Ready");
  EXPECT_EQ(Generation(got), 1) << "status writes keep the generation";
  int64_t writes = client.writes();
  ASSERT_TRUE(client.Apply(resources::kConfigMaps, "ns", "a", obj, Manager("m")).ok());
  EXPECT_EQ(client.writes(), writes) << "applying the same fields again writes nothing";
}

TEST(ControllerTest, ReconcilesEachChangedObjectAndBacksOffOnErrors) {
  FakeKubeClient client;
  Informer informer(&client, resources::kConfigMaps, InformerOptionsFor("ns"));
  std::mutex mu;
  std::map<std::string, int> calls;
  Controller controller(Workers(2), [&](const std::string& key) -> Result<ReconcileResult> {
    std::lock_guard<std::mutex> guard(mu);
    int n = ++calls[key];
    if (key == "ns/flaky" && n < 3) return UnavailableError("not yet");
    return ReconcileResult{};
  });
  controller.Watch(informer);
  informer.Start();
  controller.Start();
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", ConfigMap("ok")).ok());
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", ConfigMap("flaky")).ok());
  ASSERT_TRUE(PollUntil(
      [&] {
        std::lock_guard<std::mutex> guard(mu);
        return calls["ns/flaky"] == 3 && calls["ns/ok"] == 1;
      },
      seconds(5)));
  EXPECT_EQ(controller.queue().NumRequeues("ns/flaky"), 0) << "success forgets the backoff";
  controller.Stop();
  informer.Stop();
}

TEST(ControllerTest, RequeueAfterRunsAgainOnTheClock) {
  FakeClock clock;
  std::atomic<int> calls{0};
  Controller controller(
      Workers(1),
      [&](const std::string&) -> Result<ReconcileResult> {
        ++calls;
        ReconcileResult result;
        result.requeue_after = seconds(60);
        return result;
      },
      &clock);
  controller.Start();
  controller.queue().Add("ns/a");
  ASSERT_TRUE(PollUntil([&] { return calls == 1; }, seconds(5)));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(calls, 1);
  clock.Advance(seconds(60));
  ASSERT_TRUE(PollUntil([&] { return calls == 2; }, seconds(5)));
  controller.Stop();
}

TEST(ControllerTest, WatchOwnedEnqueuesTheOwner) {
  FakeKubeClient client;
  Informer informer(&client, resources::kConfigMaps, InformerOptionsFor("ns"));
  Controller controller(
      Workers(1), [](const std::string&) -> Result<ReconcileResult> { return ReconcileResult{}; });
  controller.WatchOwned(informer, "CurveCluster");
  informer.Start();
  Json owner = {{"apiVersion", "operator.curve.io/v1"},
                {"kind", "CurveCluster"},
                {"metadata", {{"name", "c1"}, {"uid", "u1"}}}};
  Json child = ConfigMap("c1-config");
  SetOwnerReference(child, MakeOwnerReference(owner));
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", child).ok());
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", ConfigMap("unowned")).ok());
  ASSERT_TRUE(PollUntil([&] { return controller.queue().Len() == 1; }, seconds(5)));
  EXPECT_EQ(controller.queue().TryGet(), "ns/c1");
  informer.Stop();
}

TEST(EventRecorderTest, CreatesThenAggregatesRepeats) {
  FakeKubeClient client;
  EventRecorder recorder(&client, "curve-operator");
  Json object = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", "a"}, {"namespace", "ns"}, {"uid", "u"}}}};
  ASSERT_TRUE(recorder.Record(object, "Normal", "Created", "made it").ok());
  ASSERT_TRUE(recorder.Record(object, "Normal", "Created", "made it").ok());
  auto events = *client.ListAll(resources::kEvents, "ns");
  ASSERT_EQ(events.items.size(), 1u);
  EXPECT_EQ(events.items[0]["count"], 2);
  EXPECT_EQ(events.items[0]["involvedObject"]["uid"], "u");
  EXPECT_EQ(events.items[0]["reason"], "Created");
}

LeaderElectionOptions Options(const std::string& identity) {
  LeaderElectionOptions options;
  options.ns = "ns";
  options.name = "lock";
  options.identity = identity;
  options.lease_duration = seconds(15);
  options.renew_deadline = seconds(10);
  options.retry_period = seconds(2);
  return options;
}

TEST(LeaderElectorTest, SecondCandidateWaitsForTheLeaseToExpire) {
  FakeKubeClient client;
  FakeClock clock;
  LeaderElector a(&client, Options("a"), {}, &clock);
  LeaderElector b(&client, Options("b"), {}, &clock);
  EXPECT_TRUE(a.TryAcquireOrRenew());
  EXPECT_FALSE(b.TryAcquireOrRenew());
  EXPECT_EQ(b.leader(), "a");
  clock.Advance(seconds(10));
  EXPECT_TRUE(a.TryAcquireOrRenew()) << "renewal";
  EXPECT_FALSE(b.TryAcquireOrRenew()) << "b saw the renewal: the lease is fresh again";
  clock.Advance(seconds(14));
  EXPECT_FALSE(b.TryAcquireOrRenew());
  clock.Advance(seconds(2));
  EXPECT_TRUE(b.TryAcquireOrRenew()) << "a stopped renewing 16s ago";
  auto lease = *client.Get(resources::kLeases, "ns", "lock");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 15);
  EXPECT_FALSE(a.TryAcquireOrRenew());
}

TEST(LeaderElectorTest, LeaderWorkStopsWhenLeadershipEnds) {
  FakeKubeClient client;
  std::atomic<bool> working{false};
  std::atomic<bool> stopped_leading{false};
  LeaderCallbacks callbacks;
  callbacks.on_started_leading = [&](std::stop_token stop) {
    working = true;
    while (!stop.stop_requested()) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    working = false;
  };
  callbacks.on_stopped_leading = [&] { stopped_leading = true; };
  auto options = Options("a");
  options.retry_period = milliseconds(10);
  LeaderElector a(&client, options, callbacks);
  a.Start();
  ASSERT_TRUE(PollUntil([&] { return working.load(); }, seconds(5)));
  EXPECT_TRUE(a.IsLeader());
  a.Stop();
  EXPECT_FALSE(working);
  EXPECT_TRUE(stopped_leading);
  auto lease = *client.Get(resources::kLeases, "ns", "lock");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "") << "released on stop";
  LeaderElector b(&client, Options("b"));
  EXPECT_TRUE(b.TryAcquireOrRenew()) << "a released lease is free at once";
}

}  // namespace
}  // namespace curve::k8s
