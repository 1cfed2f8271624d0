#include "operator/k8s/informer.h"

#include <gtest/gtest.h>

#include "common/testing/subprocess.h"
#include "operator/k8s/fake_kube_client.h"
#include "operator/k8s/object_meta.h"

namespace curve::k8s {
namespace {

using std::chrono::seconds;
using testing::PollUntil;

InformerOptions InformerOptionsFor(const std::string& ns, int64_t page_size = 500) {
  InformerOptions options;
  options.ns = ns;
  options.page_size = page_size;
  return options;
}

InformerOptions ResyncOptions() {
  InformerOptions options = InformerOptionsFor("ns");
  options.resync_period = seconds(30);
  return options;
}

InformerOptions BackoffOptions(int ms) {
  InformerOptions options = InformerOptionsFor("ns");
  options.initial_backoff = std::chrono::milliseconds(ms);
  return options;
}

Json ConfigMap(const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}}},
          {"data", {{"v", value}}}};
}

// Records handler calls as "add:ns/a", "update:ns/a", "delete:ns/a".
struct Recorder {
  std::mutex mu;
  std::vector<std::string> calls;
  ResourceEventHandler Handler() {
    return {[this](const Json& o) { Push("add:" + ObjectKey(o)); },
            [this](const Json&, const Json& o) { Push("update:" + ObjectKey(o)); },
            [this](const Json& o) { Push("delete:" + ObjectKey(o)); }};
  }
  void Push(std::string call) {
    std::lock_guard<std::mutex> guard(mu);
    calls.push_back(std::move(call));
  }
  bool Has(const std::string& call) {
    std::lock_guard<std::mutex> guard(mu);
    return std::find(calls.begin(), calls.end(), call) != calls.end();
  }
  size_t Count(const std::string& call) {
    std::lock_guard<std::mutex> guard(mu);
    return std::count(calls.begin(), calls.end(), call);
  }
};

std::vector<PackedObjectPtr> Packed(const std::vector<Json>& objects) {
  std::vector<PackedObjectPtr> out;
  for (const auto& o : objects) out.push_back(std::make_shared<const PackedObject>(o));
  return out;
}

TEST(ObjectCacheTest, ReplaceReportsAddedChangedAndDeleted) {
  ObjectCache cache;
  auto obj = [](const std::string& name, const std::string& rv) {
    return Json{{"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}}};
  };
  auto first = cache.Replace(Packed({obj("a", "1"), obj("b", "2")}));
  EXPECT_EQ(first.added.size(), 2u);
  auto second = cache.Replace(Packed({obj("a", "1"), obj("b", "3"), obj("c", "4")}));
  ASSERT_EQ(second.added.size(), 1u);
  EXPECT_EQ(Name(second.added[0]->Unpack()), "c");
  ASSERT_EQ(second.updated.size(), 1u);
  EXPECT_EQ(ResourceVersion(second.updated[0].first->Unpack()), "2");
  EXPECT_EQ(second.updated[0].second->resource_version(), "3");
  auto third = cache.Replace(Packed({obj("c", "4")}));
  EXPECT_EQ(third.deleted.size(), 2u);
  EXPECT_EQ(cache.Keys(), std::vector<std::string>{"ns/c"});
  EXPECT_TRUE(cache.Get("ns/c").has_value());
  EXPECT_FALSE(cache.Get("ns/a").has_value());
}

TEST(ObjectCacheTest, ListsByNamespaceAndLabelSelector) {
  ObjectCache cache;
  auto obj = [](const std::string& ns, const std::string& name, const std::string& role) {
    return Json{{"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"role", role}}}}}};
  };
  cache.Replace(Packed({obj("a", "x", "etcd"), obj("a", "y", "mds"), obj("b", "z", "etcd"),
                        Json{{"metadata", {{"name", "bare"}, {"namespace", "a"}}}}}));
  auto names = [](const std::vector<Json>& objects) {
    std::vector<std::string> out;
    for (const auto& o : objects) out.push_back(ObjectKey(o));
    return out;
  };
  EXPECT_EQ(names(cache.List()), (std::vector<std::string>{"a/bare", "a/x", "a/y", "b/z"}));
  EXPECT_EQ(names(cache.List("a")), (std::vector<std::string>{"a/bare", "a/x", "a/y"}));
  EXPECT_EQ(names(cache.List("", "role=etcd")), (std::vector<std::string>{"a/x", "b/z"}));
  EXPECT_EQ(names(cache.List("a", "role=etcd")), std::vector<std::string>{"a/x"});
  EXPECT_EQ(names(cache.List("a", "!role")), std::vector<std::string>{"a/bare"});
  EXPECT_TRUE(cache.List("a", "role=none").empty());
  std::vector<std::string> visited;
  cache.ForEach("", "role=etcd", [&](const Json& o) { visited.push_back(ObjectKey(o)); });
  EXPECT_EQ(visited, (std::vector<std::string>{"a/x", "b/z"}));
}

// The cache keeps objects encoded: every field (numbers, nested arrays, unicode, null) comes
// back as it went in, in a fraction of the memory a decoded tree takes.
TEST(ObjectCacheTest, PackedObjectsRoundTripCompactly) {
  Json object = {{"apiVersion", "apps/v1"},
                 {"kind", "Deployment"},
                 {"metadata",
                  {{"name", "d"},
                   {"namespace", "ns"},
                   {"resourceVersion", "42"},
                   {"labels", {{"app", "x"}}},
                   {"annotations", {{"note", "h\u00e9llo \"quoted\""}}}}},
                 {"spec",
                  {{"replicas", 1},
                   {"ratio", 0.25},
                   {"big", 18446744073709551615ull},
                   {"negative", -7},
                   {"flag", false},
                   {"nothing", nullptr},
                   {"list", Json::array({Json::array({1, 2}), Json::object(), "s"})}}}};
  for (int i = 0; i < 50; ++i) {
    object["spec"]["env"].push_back({{"name", "VAR_" + std::to_string(i)}, {"value", "v"}});
  }
  PackedObject packed(object);
  EXPECT_EQ(packed.Unpack(), object);
  EXPECT_EQ(packed.key(), "ns/d");
  EXPECT_EQ(packed.ns(), "ns");
  EXPECT_EQ(packed.resource_version(), "42");
  EXPECT_TRUE(packed.MatchesLabelSelector("app=x"));
  EXPECT_FALSE(packed.MatchesLabelSelector("app=y"));
  EXPECT_LT(packed.bytes(), object.dump().size());
}

TEST(InformerTest, ListsPaginatedThenFollowsTheWatch) {
  FakeKubeClient client;
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(
        client.Create(resources::kConfigMaps, "ns", ConfigMap("cm" + std::to_string(i), "x")).ok());
  }
  Recorder recorder;
  Informer informer(&client, resources::kConfigMaps, InformerOptionsFor("ns", 3));
  informer.AddEventHandler(recorder.Handler());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(seconds(5)));
  EXPECT_EQ(informer.cache().size(), 7u);
  EXPECT_EQ(client.Calls("list"), 3) << "7 objects in pages of 3";
  EXPECT_TRUE(recorder.Has("add:ns/cm6"));

  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", ConfigMap("new", "1")).ok());
  ASSERT_TRUE(
      client.MergePatch(resources::kConfigMaps, "ns", "cm0", {{"data", {{"v", "y"}}}}).ok());
  ASSERT_TRUE(client.Delete(resources::kConfigMaps, "ns", "cm1").ok());
  ASSERT_TRUE(PollUntil([&] { return recorder.Has("delete:ns/cm1"); }, seconds(5)));
  EXPECT_TRUE(recorder.Has("add:ns/new"));
  EXPECT_TRUE(recorder.Has("update:ns/cm0"));
  EXPECT_EQ(informer.cache().Get("ns/cm0")->at("data").at("v"), "y");
  EXPECT_FALSE(informer.cache().Get("ns/cm1").has_value());
  informer.Stop();
}

TEST(InformerTest, TransformAppliesToListedAndWatchedObjects) {
  FakeKubeClient client;
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", ConfigMap("listed", "x")).ok());
  InformerOptions options = InformerOptionsFor("ns");
  options.transform = [](Json& object) { object["data"].erase("v"); };
  Informer informer(&client, resources::kConfigMaps, options);
  Recorder recorder;
  Json handed;
  informer.AddEventHandler({nullptr, [&](const Json&, const Json& o) { handed = o; }, nullptr});
  informer.AddEventHandler(recorder.Handler());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(seconds(5)));
  EXPECT_FALSE(informer.cache().Get("ns/listed")->at("data").contains("v"));
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", ConfigMap("watched", "x")).ok());
  ASSERT_TRUE(
      client.MergePatch(resources::kConfigMaps, "ns", "watched", {{"data", {{"v", "y"}}}}).ok());
  ASSERT_TRUE(PollUntil([&] { return recorder.Has("update:ns/watched"); }, seconds(5)));
  EXPECT_FALSE(informer.cache().Get("ns/watched")->at("data").contains("v"));
  informer.Stop();
  EXPECT_FALSE(handed.at("data").contains("v"));
}

TEST(InformerTest, WatchesAgainFromTheLastVersionWhenTheStreamEnds) {
  FakeKubeClient client;
  Recorder recorder;
  Informer informer(&client, resources::kConfigMaps, InformerOptionsFor("ns"));
  informer.AddEventHandler(recorder.Handler());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(seconds(5)));
  client.CloseWatches();
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", ConfigMap("a", "1")).ok());
  ASSERT_TRUE(PollUntil([&] { return recorder.Has("add:ns/a"); }, seconds(5)));
  EXPECT_EQ(informer.lists(), 1) << "no relist needed";
  EXPECT_GE(client.Calls("watch"), 2);
  EXPECT_EQ(recorder.Count("add:ns/a"), 1u);
  informer.Stop();
}

TEST(InformerTest, RelistsOnGoneAndReportsWhatChangedMeanwhile) {
  FakeKubeClient client;
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", ConfigMap("keep", "1")).ok());
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", ConfigMap("gone", "1")).ok());
  Recorder recorder;
  Informer informer(&client, resources::kConfigMaps, BackoffOptions(300));
  informer.AddEventHandler(recorder.Handler());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(seconds(5)));
  // A long disconnection: the next watch fails, the changes made meanwhile are compacted away,
  // so the informer only learns of them by listing again.
  client.FailNext("watch", UnavailableError("connection refused"));
  client.CloseWatches();
  ASSERT_TRUE(client.Delete(resources::kConfigMaps, "ns", "gone").ok());
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", ConfigMap("added", "1")).ok());
  client.Compact();
  ASSERT_TRUE(PollUntil([&] { return recorder.Has("delete:ns/gone"); }, seconds(5)));
  EXPECT_TRUE(recorder.Has("add:ns/added"));
  EXPECT_EQ(informer.cache().size(), 2u);
  EXPECT_EQ(informer.lists(), 2);
  informer.Stop();
}

TEST(InformerTest, WatchEndingWithGoneCausesARelist) {
  FakeKubeClient client;
  Informer informer(&client, resources::kConfigMaps, InformerOptionsFor("ns"));
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(seconds(5)));
  // The informer re-watches from its version after the close; compaction makes it gone.
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "other", ConfigMap("x", "1")).ok());
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "other", ConfigMap("y", "1")).ok());
  client.Compact();
  client.CloseWatches();
  ASSERT_TRUE(PollUntil([&] { return informer.lists() >= 2; }, seconds(5)));
  informer.Stop();
}

TEST(InformerTest, BookmarksAdvanceTheResourceVersion) {
  FakeKubeClient client;
  Informer informer(&client, resources::kConfigMaps, InformerOptionsFor("ns"));
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(seconds(5)));
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "elsewhere", ConfigMap("x", "1")).ok());
  std::string expected = std::to_string(client.resource_version());
  client.SendBookmarks();
  ASSERT_TRUE(PollUntil([&] { return informer.last_resource_version() == expected; }, seconds(5)));
  // After compaction a watch from the bookmarked version still works without a relist.
  client.Compact();
  client.CloseWatches();
  ASSERT_TRUE(PollUntil([&] { return client.Calls("watch") >= 2; }, seconds(5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(informer.lists(), 1);
  informer.Stop();
}

TEST(InformerTest, ResyncRedeliversCachedObjectsOnTheClock) {
  FakeKubeClient client;
  FakeClock clock;
  ASSERT_TRUE(client.Create(resources::kConfigMaps, "ns", ConfigMap("a", "1")).ok());
  Recorder recorder;
  Informer informer(&client, resources::kConfigMaps, ResyncOptions(), &clock);
  informer.AddEventHandler(recorder.Handler());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(seconds(5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(recorder.Count("update:ns/a"), 0u);
  clock.Advance(seconds(30));
  ASSERT_TRUE(PollUntil([&] { return recorder.Count("update:ns/a") == 1; }, seconds(5)));
  informer.Stop();
}

TEST(InformerTest, RetriesAFailedListWithBackoff) {
  FakeKubeClient client;
  client.FailNext("list", UnavailableError("server down"));
  Informer informer(&client, resources::kConfigMaps, BackoffOptions(10));
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(seconds(5)));
  EXPECT_EQ(client.Calls("list"), 2);
  informer.Stop();
}

}  // namespace
}  // namespace curve::k8s
