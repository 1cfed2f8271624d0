#include "common/etcd/watcher.h"

#include <signal.h>

#include <map>
#include <mutex>
#include <thread>

#include "common/etcd/etcd_test_fixture.h"

namespace curve::etcd {
namespace {

// Collects events delivered by a watcher's thread.
struct Collector {
  std::mutex mu;
  std::vector<WatchEvent> events;
  std::vector<Status> errors;

  void Add(const std::vector<WatchEvent>& batch) {
    std::lock_guard<std::mutex> lock(mu);
    events.insert(events.end(), batch.begin(), batch.end());
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return events.size();
  }
  std::vector<WatchEvent> Snapshot() {
    std::lock_guard<std::mutex> lock(mu);
    return events;
  }
};

TEST_F(EtcdTest, WatchDeliversPutsAndDeletesInOrder) {
  Collector collector;
  WatchOptions options;
  options.prefix = true;
  auto watcher = client_->Watch(prefix_, options, [&](const auto& batch) { collector.Add(batch); });
  ASSERT_TRUE(watcher->WaitUntilCreated(std::chrono::seconds(5)));
  ASSERT_TRUE(client_->Put(prefix_ + "a", "1").ok());
  ASSERT_TRUE(client_->Put(prefix_ + "b", "2").ok());
  ASSERT_TRUE(client_->Put(prefix_.substr(0, prefix_.size() - 1), "not under the prefix").ok());
  auto deleted_at = client_->Delete(prefix_ + "a");
  ASSERT_TRUE(deleted_at.ok());
  ASSERT_TRUE(
      curve::testing::PollUntil([&] { return collector.size() >= 3; }, std::chrono::seconds(5)));
  auto events = collector.Snapshot();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, WatchEvent::Type::kPut);
  EXPECT_EQ(events[0].kv.key, prefix_ + "a");
  EXPECT_EQ(events[0].kv.value, "1");
  EXPECT_EQ(events[1].kv.key, prefix_ + "b");
  EXPECT_EQ(events[2].type, WatchEvent::Type::kDelete);
  EXPECT_EQ(events[2].kv.key, prefix_ + "a");
  EXPECT_EQ(watcher->last_revision(), events[2].kv.mod_revision);
}

TEST_F(EtcdTest, WatchFromAPastRevisionReplaysHistory) {
  auto first = client_->Put(prefix_ + "k", "1");
  ASSERT_TRUE(client_->Put(prefix_ + "k", "2").ok());
  ASSERT_TRUE(first.ok());
  Collector collector;
  WatchOptions options;
  options.start_revision = *first;
  auto watcher =
      client_->Watch(prefix_ + "k", options, [&](const auto& batch) { collector.Add(batch); });
  ASSERT_TRUE(
      curve::testing::PollUntil([&] { return collector.size() >= 2; }, std::chrono::seconds(5)));
  auto events = collector.Snapshot();
  EXPECT_EQ(events[0].kv.value, "1");
  EXPECT_EQ(events[1].kv.value, "2");
}

TEST_F(EtcdTest, WatchFromACompactedRevisionIsOutOfRange) {
  auto old = client_->Put(prefix_ + "k", "1");
  auto latest = client_->Put(prefix_ + "k", "2");
  ASSERT_TRUE(old.ok() && latest.ok());
  ASSERT_TRUE(client_->Compact(*latest).ok());
  std::mutex mu;
  std::vector<Status> errors;
  WatchOptions options;
  options.start_revision = *old;
  auto watcher = client_->Watch(
      prefix_ + "k", options, [](const auto&) {},
      [&](const Status& s) {
        std::lock_guard<std::mutex> lock(mu);
        errors.push_back(s);
      });
  ASSERT_TRUE(curve::testing::PollUntil(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return !errors.empty();
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(errors[0].code(), StatusCode::kOutOfRange);
  EXPECT_NE(errors[0].message().find(std::to_string(*latest)), std::string::npos) << errors[0];
}

// A writer keeps writing while etcd is restarted under the watch; the watcher must deliver every
// revision exactly once, in order, with no gap.
TEST(EtcdRestartTest, WatchResumesWithoutGapsAfterEtcdRestart) {
  auto etcd = curve::testing::EtcdProcess::Start();
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  EtcdOptions options;
  options.endpoints = {(*etcd)->endpoint()};
  options.retry.max_attempts = 1000;
  options.retry.initial_backoff = std::chrono::milliseconds(20);
  options.retry.max_backoff = std::chrono::milliseconds(200);
  options.retry.attempt_timeout = std::chrono::milliseconds(1000);
  options.retry.total_timeout = std::chrono::seconds(30);
  auto client = EtcdClient::Create(options);
  ASSERT_TRUE(client.ok());

  Collector collector;
  WatchOptions watch_options;
  watch_options.prefix = true;
  auto watcher = (*client)->Watch("/restart/", watch_options,
                                  [&](const auto& batch) { collector.Add(batch); });
  ASSERT_TRUE(watcher->WaitUntilCreated(std::chrono::seconds(5)));

  constexpr int kWrites = 150;
  std::vector<int64_t> written(kWrites, 0);
  std::vector<Status> errors(kWrites);
  std::atomic<int> done{0};
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      auto revision = (*client)->Put("/restart/" + std::to_string(i), std::to_string(i));
      written[i] = revision.ok() ? *revision : -1;
      errors[i] = revision.status();
      done = i + 1;
    }
  });
  ASSERT_TRUE(
      curve::testing::PollUntil([&] { return done >= kWrites / 3; }, std::chrono::seconds(30)));
  ASSERT_TRUE((*etcd)->Restart().ok());
  writer.join();

  for (int i = 0; i < kWrites; ++i)
    ASSERT_GT(written[i], 0) << "write " << i << " failed: " << errors[i];
  // A write whose reply was lost in the restart is retried and lands twice: every revision
  // counts, so wait for the last write's revision.
  ASSERT_TRUE(curve::testing::PollUntil(
      [&] { return watcher->last_revision() >= written[kWrites - 1]; }, std::chrono::seconds(20)))
      << "got " << collector.size() << " events";
  auto events = collector.Snapshot();
  ASSERT_GE(events.size(), static_cast<size_t>(kWrites));
  EXPECT_LE(events.size(), static_cast<size_t>(kWrites + 5));
  std::map<int64_t, std::string> key_at;
  for (size_t i = 0; i < events.size(); ++i) {
    key_at[events[i].kv.mod_revision] = events[i].kv.key;
    if (i > 0) {
      ASSERT_EQ(events[i].kv.mod_revision, events[i - 1].kv.mod_revision + 1)
          << "gap or repeat after event " << i - 1;
    }
  }
  for (int i = 0; i < kWrites; ++i) {
    ASSERT_EQ(key_at[written[i]], "/restart/" + std::to_string(i)) << "write " << i;
  }
  EXPECT_GE(watcher->reconnects(), 1) << "the restart must have broken the stream";
}

}  // namespace
}  // namespace curve::etcd
