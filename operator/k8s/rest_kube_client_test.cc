// Integration tests of RestKubeClient, the informer and leader election against a real
// kube-apiserver on a real etcd (label "k8s"). Skipped only when the Kubernetes binaries are
// absent (build them with `make tools-k8s`).
#include "operator/k8s/rest_kube_client.h"

#include <gtest/gtest.h>

#include "common/testing/subprocess.h"
#include "operator/k8s/api_status.h"
#include "operator/k8s/event_recorder.h"
#include "operator/k8s/informer.h"
#include "operator/k8s/leader_elector.h"
#include "operator/k8s/object_meta.h"
#include "operator/k8s/testing/kube_apiserver_process.h"

namespace curve::k8s {
namespace {

using curve::testing::PollUntil;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Resource kWidgets{"test.curve.io", "v1", "widgets"};

Json ConfigMap(const std::string& name, const Json& data = Json::object()) {
  return {
      {"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", data}};
}

ApplyOptions Manager(const std::string& manager, bool force = false) {
  ApplyOptions options;
  options.field_manager = manager;
  options.force = force;
  return options;
}

class RestKubeClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto bins = testing::KubeApiserverProcess::FindBinaries();
    if (!bins.ok()) {
      skip_reason_ = new std::string(bins.status().ToString());
      return;
    }
    auto started = std::chrono::steady_clock::now();
    auto server = testing::KubeApiserverProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value().release();
    std::printf("kube-apiserver ready in %.1f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    auto config = KubeConfig::FromKubeconfigFile(server_->kubeconfig_path());
    ASSERT_TRUE(config.ok()) << config.status();
    auto client = RestKubeClient::Create(*config);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(client).value().release();
  }
  static void TearDownTestSuite() {
    delete client_;
    delete server_;
    client_ = nullptr;
    server_ = nullptr;
  }
  void SetUp() override {
    if (skip_reason_) GTEST_SKIP() << *skip_reason_;
    ASSERT_NE(client_, nullptr);
  }

  // A fresh namespace per test.
  std::string Namespace(const std::string& name) {
    Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    auto created = client_->Create(resources::kNamespaces, "", ns);
    EXPECT_TRUE(created.ok()) << created.status();
    return name;
  }

  static inline std::string* skip_reason_ = nullptr;
  static inline testing::KubeApiserverProcess* server_ = nullptr;
  static inline RestKubeClient* client_ = nullptr;
};

TEST_F(RestKubeClientTest, CreateGetListWithPaginationAndErrors) {
  std::string ns = Namespace("crud");
  for (int i = 0; i < 25; ++i) {
    auto created =
        client_->Create(resources::kConfigMaps, ns,
                        ConfigMap("cm-" + std::to_string(i), {{"i", std::to_string(i)}}));
    ASSERT_TRUE(created.ok()) << created.status();
  }
  auto got = client_->Get(resources::kConfigMaps, ns, "cm-7");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)["data"]["i"], "7");
  EXPECT_FALSE(Uid(*got).empty());

  ListOptions page_options;
  page_options.limit = 10;
  auto first = client_->List(resources::kConfigMaps, ns, page_options);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->items.size(), 10u);
  EXPECT_FALSE(first->continue_token.empty());
  EXPECT_EQ(first->items[0]["kind"], "ConfigMap");
  auto all = client_->ListAll(resources::kConfigMaps, ns, page_options);
  ASSERT_TRUE(all.ok()) << all.status();
  int ours = 0;
  for (const auto& item : all->items) ours += Name(item).starts_with("cm-") ? 1 : 0;
  EXPECT_EQ(ours, 25);

  ListOptions selected;
  selected.field_selector = "metadata.name=cm-3";
  EXPECT_EQ(client_->List(resources::kConfigMaps, ns, selected)->items.size(), 1u);

  EXPECT_EQ(client_->Create(resources::kConfigMaps, ns, ConfigMap("cm-1")).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(client_->Get(resources::kConfigMaps, ns, "absent").status().code(),
            StatusCode::kNotFound);
  auto invalid = client_->Create(resources::kConfigMaps, ns, ConfigMap("Bad_Name"));
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(invalid.status().message().find("metadata.name"), std::string::npos)
      << invalid.status();

  Json stale = *got;
  Json fresh = *got;
  fresh["data"]["i"] = "changed";
  ASSERT_TRUE(client_->Update(resources::kConfigMaps, ns, fresh).ok());
  stale["data"]["i"] = "lost";
  auto conflict = client_->Update(resources::kConfigMaps, ns, stale);
  EXPECT_TRUE(IsConflict(conflict.status())) << conflict.status();

  auto patched = client_->MergePatch(resources::kConfigMaps, ns, "cm-8", {{"data", {{"x", "y"}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["data"]["x"], "y");
  EXPECT_EQ((*patched)["data"]["i"], "8");

  // Anonymous requests are authenticated as system:anonymous and forbidden by RBAC.
  KubeConfig anonymous = server_->admin_config();
  anonymous.client_cert_pem.clear();
  anonymous.client_key_pem.clear();
  auto anon = RestKubeClient::Create(anonymous);
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ((*anon)->Get(resources::kConfigMaps, ns, "cm-1").status().code(),
            StatusCode::kPermissionDenied);
  KubeConfig untrusted = server_->admin_config();
  untrusted.ca_pem.clear();
  auto untrusted_client = RestKubeClient::Create(untrusted);
  ASSERT_TRUE(untrusted_client.ok());
  EXPECT_EQ((*untrusted_client)->Get(resources::kConfigMaps, ns, "cm-1").status().code(),
            StatusCode::kUnavailable)
      << "a server certificate from an unknown CA is refused";
}

// With a cluster CA, only that CA is trusted (the system bundle cpprest loads is dropped): a
// config naming another certificate as its CA cannot talk to the server.
TEST_F(RestKubeClientTest, OnlyTheConfiguredCaIsTrusted) {
  KubeConfig wrong = server_->admin_config();
  ASSERT_FALSE(wrong.client_cert_pem.empty());
  wrong.ca_pem = wrong.client_cert_pem;  // signed by the cluster CA, but not it
  RestKubeClientOptions options;
  options.retry.max_attempts = 1;
  auto client = RestKubeClient::Create(wrong, options);
  ASSERT_TRUE(client.ok()) << client.status();
  auto got = (*client)->Get(resources::kNamespaces, "", "default");
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status();
  auto right = RestKubeClient::Create(server_->admin_config(), options);
  ASSERT_TRUE(right.ok()) << right.status();
  EXPECT_TRUE((*right)->Get(resources::kNamespaces, "", "default").ok());
}

TEST_F(RestKubeClientTest, WatchSeesAddModifyDeleteAndStops) {
  std::string ns = Namespace("watch");
  auto list = client_->List(resources::kConfigMaps, ns);
  ASSERT_TRUE(list.ok());
  std::mutex mu;
  std::vector<std::string> seen;
  std::atomic<bool> done{false};
  Status end;
  WatchOptions options;
  options.resource_version = list->resource_version;
  auto stream = client_->Watch(
      resources::kConfigMaps, ns, options,
      [&](WatchEvent event) {
        static const char* kNames[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK"};
        std::lock_guard<std::mutex> guard(mu);
        seen.push_back(std::string(kNames[static_cast<int>(event.type)]) + ":" +
                       Name(event.object));
      },
      [&](const Status& status) {
        std::lock_guard<std::mutex> guard(mu);
        end = status;
        done = true;
      });
  ASSERT_TRUE(stream.ok()) << stream.status();
  ASSERT_TRUE(client_->Create(resources::kConfigMaps, ns, ConfigMap("w")).ok());
  ASSERT_TRUE(client_->MergePatch(resources::kConfigMaps, ns, "w", {{"data", {{"a", "b"}}}}).ok());
  ASSERT_TRUE(client_->Delete(resources::kConfigMaps, ns, "w").ok());
  ASSERT_TRUE(PollUntil(
      [&] {
        std::lock_guard<std::mutex> guard(mu);
        return seen.size() >= 3;
      },
      seconds(10)));
  {
    std::lock_guard<std::mutex> guard(mu);
    EXPECT_EQ(seen, (std::vector<std::string>{"ADDED:w", "MODIFIED:w", "DELETED:w"}));
  }
  auto stop_started = std::chrono::steady_clock::now();
  (*stream)->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, seconds(2)) << "Stop is prompt";
  EXPECT_TRUE(done);
  EXPECT_EQ(end.code(), StatusCode::kCancelled);
}

TEST_F(RestKubeClientTest, WatchFromATooOldVersionIsGone) {
  std::string ns = Namespace("gone");
  ASSERT_TRUE(server_->CompactStorage().ok());
  Status end;
  std::atomic<bool> done{false};
  WatchOptions options;
  options.resource_version = "1";
  auto stream = client_->Watch(
      resources::kConfigMaps, ns, options, [](WatchEvent) {},
      [&](const Status& status) {
        end = status;
        done = true;
      });
  Status status = stream.ok() ? Status() : stream.status();
  if (stream.ok()) {
    ASSERT_TRUE(PollUntil([&] { return done.load(); }, seconds(10)));
    status = end;
  }
  EXPECT_TRUE(IsGone(status)) << status;
}

TEST_F(RestKubeClientTest, InformerRelistsAfterGone) {
  std::string ns = Namespace("informer");
  ASSERT_TRUE(client_->Create(resources::kConfigMaps, ns, ConfigMap("before")).ok());

  // A client whose watches start from resourceVersion 1 once armed: the server answers 410 and
  // the informer must list again.
  class Stale : public KubeClient {
   public:
    explicit Stale(KubeClient* real) : real_(real) {}
    Result<Json> Get(const Resource& r, std::string_view ns, std::string_view n,
                     std::string_view s) override {
      return real_->Get(r, ns, n, s);
    }
    Result<ListPage> List(const Resource& r, std::string_view ns, const ListOptions& o) override {
      return real_->List(r, ns, o);
    }
    Result<std::unique_ptr<WatchStream>> Watch(const Resource& r, std::string_view ns,
                                               const WatchOptions& o, WatchEventHandler e,
                                               WatchDoneHandler d) override {
      WatchOptions options = o;
      if (armed.exchange(false)) options.resource_version = "1";
      return real_->Watch(r, ns, options, std::move(e), std::move(d));
    }
    Result<Json> Create(const Resource& r, std::string_view ns, const Json& o,
                        const WriteOptions& w) override {
      return real_->Create(r, ns, o, w);
    }
    Result<Json> Update(const Resource& r, std::string_view ns, const Json& o, std::string_view s,
                        const WriteOptions& w) override {
      return real_->Update(r, ns, o, s, w);
    }
    Result<Json> Apply(const Resource& r, std::string_view ns, std::string_view n, const Json& o,
                       const ApplyOptions& a, std::string_view s) override {
      return real_->Apply(r, ns, n, o, a, s);
    }
    Result<Json> MergePatch(const Resource& r, std::string_view ns, std::string_view n,
                            const Json& p, std::string_view s, const WriteOptions& w) override {
      return real_->MergePatch(r, ns, n, p, s, w);
    }
    Status Delete(const Resource& r, std::string_view ns, std::string_view n,
                  const DeleteOptions& o) override {
      return real_->Delete(r, ns, n, o);
    }
    std::atomic<bool> armed{false};

   private:
    KubeClient* real_;
  } stale(client_);

  InformerOptions options;
  options.ns = ns;
  options.page_size = 2;
  options.watch_timeout_seconds = 1;  // streams end quickly, so the armed watch comes soon
  Informer informer(&stale, resources::kConfigMaps, options);
  std::atomic<int> deletes{0};
  ResourceEventHandler handler;
  handler.on_delete = [&](const Json&) { ++deletes; };
  informer.AddEventHandler(handler);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(seconds(10)));
  EXPECT_TRUE(informer.cache().Get(ns + "/before").has_value());
  ASSERT_TRUE(client_->Create(resources::kConfigMaps, ns, ConfigMap("during")).ok());
  ASSERT_TRUE(
      PollUntil([&] { return informer.cache().Get(ns + "/during").has_value(); }, seconds(10)));
  ASSERT_TRUE(server_->CompactStorage().ok());
  stale.armed = true;
  ASSERT_TRUE(PollUntil([&] { return informer.lists() >= 2; }, seconds(10)))
      << "410 must lead to a relist";
  ASSERT_TRUE(client_->Delete(resources::kConfigMaps, ns, "before").ok());
  ASSERT_TRUE(PollUntil([&] { return deletes.load() == 1; }, seconds(10)));
  EXPECT_EQ(informer.cache().Keys(), std::vector<std::string>{ns + "/during"});
  informer.Stop();
}

TEST_F(RestKubeClientTest, ServerSideApplyIsIdempotentAndReportsConflicts) {
  std::string ns = Namespace("apply");
  Json desired = ConfigMap("ssa", {{"owner", "a"}, {"size", "1"}});
  auto first = client_->Apply(resources::kConfigMaps, ns, "ssa", desired, Manager("manager-a"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = client_->Apply(resources::kConfigMaps, ns, "ssa", desired, Manager("manager-a"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(ResourceVersion(*first), ResourceVersion(*second)) << "no change, no write";

  Json other = ConfigMap("ssa", {{"owner", "b"}});
  auto conflict = client_->Apply(resources::kConfigMaps, ns, "ssa", other, Manager("manager-b"));
  EXPECT_EQ(conflict.status().code(), StatusCode::kAborted) << conflict.status();
  EXPECT_NE(conflict.status().message().find("manager-a"), std::string::npos) << conflict.status();
  auto forced =
      client_->Apply(resources::kConfigMaps, ns, "ssa", other, Manager("manager-b", true));
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ((*forced)["data"]["owner"], "b");
  EXPECT_EQ((*forced)["data"]["size"], "1");

  // Fields a manager stops applying are removed.
  auto shrunk =
      client_->Apply(resources::kConfigMaps, ns, "ssa", ConfigMap("ssa"), Manager("manager-a"));
  ASSERT_TRUE(shrunk.ok()) << shrunk.status();
  EXPECT_FALSE((*shrunk)["data"].contains("size"));
  EXPECT_EQ((*shrunk)["data"]["owner"], "b");
}

TEST_F(RestKubeClientTest, StatusSubresourceOfACustomResource) {
  std::string ns = Namespace("crd");
  Json crd = Json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.test.curve.io"},
    "spec": {"group": "test.curve.io", "scope": "Namespaced",
      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
      "versions": [{"name": "v1", "served": true, "storage": true,
        "subresources": {"status": {}},
        "schema": {"openAPIV3Schema": {"type": "object", "properties": {
          "spec": {"type": "object", "properties": {"size": {"type": "integer", "minimum": 1}}},
          "status": {"type": "object", "properties": {"phase": {"type": "string"}}}}}}}]}})");
  auto created = client_->Create(resources::kCustomResourceDefinitions, "", crd);
  ASSERT_TRUE(created.ok()) << created.status();
  Json widget = {{"apiVersion", "test.curve.io/v1"},
                 {"kind", "Widget"},
                 {"metadata", {{"name", "w1"}}},
                 {"spec", {{"size", 3}}}};
  ASSERT_TRUE(PollUntil([&] { return client_->Create(kWidgets, ns, widget).ok(); }, seconds(20)))
      << "the CRD never became served";

  Json bad = widget;
  bad["metadata"]["name"] = "w2";
  bad["spec"]["size"] = 0;
  auto rejected = client_->Create(kWidgets, ns, bad);
  EXPECT_EQ(rejected.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rejected.status().message().find("spec.size"), std::string::npos) << rejected.status();

  auto current = client_->Get(kWidgets, ns, "w1");
  ASSERT_TRUE(current.ok());
  Json with_status = *current;
  with_status["status"] = {{"phase", "Creating"}};
  with_status["spec"]["size"] = 99;  // ignored by the status subresource
  auto updated = client_->UpdateStatus(kWidgets, ns, with_status);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ((*updated)["status"]["phase"], "Creating");
  EXPECT_EQ((*updated)["spec"]["size"], 3);
  EXPECT_EQ(Generation(*updated), 1) << "status writes do not bump the generation";

  Json apply_status = {{"apiVersion", "test.curve.io/v1"},
                       {"kind", "Widget"},
                       {"metadata", {{"name", "w1"}}},
                       {"status", {{"phase", "Ready"}}}};
  auto applied = client_->ApplyStatus(kWidgets, ns, "w1", apply_status, Manager("op", true));
  ASSERT_TRUE(applied.ok()) << applied.status();
  auto status = client_->GetStatus(kWidgets, ns, "w1");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ((*status)["status"]["phase"], "Ready");

  Json spec_change = *status;
  spec_change["spec"]["size"] = 4;
  spec_change["status"]["phase"] = "Ignored";  // the main resource ignores status
  auto main = client_->Update(kWidgets, ns, spec_change);
  ASSERT_TRUE(main.ok()) << main.status();
  EXPECT_EQ(Generation(*main), 2);
  EXPECT_EQ((*main)["status"]["phase"], "Ready");
}

TEST_F(RestKubeClientTest, DeleteWaitsForFinalizersAndChecksPreconditions) {
  std::string ns = Namespace("finalizers");
  Json object = ConfigMap("guarded");
  AddFinalizer(object, "curve.io/cleanup");
  auto created = client_->Create(resources::kConfigMaps, ns, object);
  ASSERT_TRUE(created.ok()) << created.status();

  DeleteOptions wrong;
  wrong.precondition_uid = "not-the-uid";
  EXPECT_TRUE(IsConflict(client_->Delete(resources::kConfigMaps, ns, "guarded", wrong)));

  DeleteOptions foreground;
  foreground.propagation_policy = "Foreground";
  foreground.precondition_uid = Uid(*created);
  ASSERT_TRUE(client_->Delete(resources::kConfigMaps, ns, "guarded", foreground).ok());
  auto pending = client_->Get(resources::kConfigMaps, ns, "guarded");
  ASSERT_TRUE(pending.ok()) << "kept while the finalizer is pending";
  EXPECT_TRUE(IsBeingDeleted(*pending));
  Json finalized = *pending;
  RemoveFinalizer(finalized, "curve.io/cleanup");
  RemoveFinalizer(finalized, "foregroundDeletion");
  ASSERT_TRUE(client_->Update(resources::kConfigMaps, ns, finalized).ok());
  ASSERT_TRUE(PollUntil(
      [&] {
        return client_->Get(resources::kConfigMaps, ns, "guarded").status().code() ==
               StatusCode::kNotFound;
      },
      seconds(10)));
  EXPECT_EQ(client_->Delete(resources::kConfigMaps, ns, "guarded").code(), StatusCode::kNotFound);
}

TEST_F(RestKubeClientTest, EventsAreRecordedAndAggregated) {
  std::string ns = Namespace("events");
  auto object = client_->Create(resources::kConfigMaps, ns, ConfigMap("subject"));
  ASSERT_TRUE(object.ok());
  EventRecorder recorder(client_, "curve-operator-test");
  ASSERT_TRUE(recorder.Record(*object, "Normal", "Created", "made the subject").ok());
  ASSERT_TRUE(recorder.Record(*object, "Normal", "Created", "made the subject").ok());
  ASSERT_TRUE(recorder.Record(*object, "Warning", "Degraded", "only 2 zones").ok());
  auto events = client_->ListAll(resources::kEvents, ns);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->items.size(), 2u);
  for (const auto& event : events->items) {
    EXPECT_EQ(event["involvedObject"]["uid"], Uid(*object));
    if (event["reason"] == "Created") {
      EXPECT_EQ(event["count"], 2);
    }
  }
}

TEST_F(RestKubeClientTest, LeaseElectionFailsOverWhenTheLeaderStopsRenewing) {
  std::string ns = Namespace("election");
  auto options = [&](const std::string& id) {
    LeaderElectionOptions o;
    o.ns = ns;
    o.name = "curve-operator";
    o.identity = id;
    o.lease_duration = seconds(3);
    o.renew_deadline = seconds(2);
    o.retry_period = milliseconds(200);
    o.release_on_stop = false;  // a crash: the lease is left to expire
    return o;
  };
  std::atomic<int> a_working{0}, b_working{0}, overlap{0};
  auto work = [&](std::atomic<int>& mine, std::atomic<int>& other) {
    return [&](std::stop_token stop) {
      mine = 1;
      while (!stop.stop_requested()) {
        if (other.load()) ++overlap;
        std::this_thread::sleep_for(milliseconds(5));
      }
      mine = 0;
    };
  };
  LeaderCallbacks a_callbacks;
  a_callbacks.on_started_leading = work(a_working, b_working);
  LeaderCallbacks b_callbacks;
  b_callbacks.on_started_leading = work(b_working, a_working);
  LeaderElector a(client_, options("replica-a"), a_callbacks);
  LeaderElector b(client_, options("replica-b"), b_callbacks);
  a.Start();
  ASSERT_TRUE(PollUntil([&] { return a.IsLeader(); }, seconds(10)));
  b.Start();
  std::this_thread::sleep_for(seconds(1));
  EXPECT_FALSE(b.IsLeader()) << "one leader at a time";
  EXPECT_EQ(b.leader(), "replica-a");

  auto stopped_at = std::chrono::steady_clock::now();
  a.Stop();
  ASSERT_TRUE(PollUntil([&] { return b.IsLeader(); }, seconds(10)));
  auto takeover = std::chrono::steady_clock::now() - stopped_at;
  std::printf("failover after %.2f s (lease 3 s)\n",
              std::chrono::duration<double>(takeover).count());
  EXPECT_LE(takeover, seconds(3) + milliseconds(800));
  EXPECT_EQ(overlap, 0);
  auto lease = client_->Get(resources::kLeases, ns, "curve-operator");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "replica-b");
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 3);
  b.Stop();
}

}  // namespace
}  // namespace curve::k8s
