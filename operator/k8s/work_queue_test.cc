#include "operator/k8s/work_queue.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "common/testing/subprocess.h"

namespace curve::k8s {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::unique_ptr<RateLimiter> Exponential(milliseconds base, milliseconds max) {
  return std::make_unique<ItemExponentialRateLimiter>(base, max);
}

TEST(WorkQueueTest, DeduplicatesKeysNotYetTaken) {
  FakeClock clock;
  WorkQueue queue(&clock, Exponential(milliseconds(5), seconds(1)));
  queue.Add("ns/a");
  queue.Add("ns/b");
  queue.Add("ns/a");
  EXPECT_EQ(queue.Len(), 2u);
  EXPECT_EQ(queue.TryGet(), "ns/a");
  EXPECT_EQ(queue.TryGet(), "ns/b");
  EXPECT_EQ(queue.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, KeyReaddedWhileProcessingIsHandedOutOnlyAfterDone) {
  FakeClock clock;
  WorkQueue queue(&clock, Exponential(milliseconds(5), seconds(1)));
  queue.Add("k");
  ASSERT_EQ(queue.TryGet(), "k");
  queue.Add("k");
  queue.Add("k");
  EXPECT_EQ(queue.TryGet(), std::nullopt) << "must not be processed concurrently";
  queue.Done("k");
  EXPECT_EQ(queue.TryGet(), "k") << "re-added while processing: processed again after";
  queue.Done("k");
  EXPECT_EQ(queue.TryGet(), std::nullopt) << "the two re-adds collapse into one";
}

TEST(WorkQueueTest, WorkersNeverProcessOneKeyConcurrently) {
  WorkQueue queue(Clock::Real(), Exponential(milliseconds(1), milliseconds(10)));
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back([&] {
      while (auto key = queue.Get()) {
        int now = ++in_flight;
        int seen = max_in_flight;
        while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        --in_flight;
        ++processed;
        queue.Done(*key);
      }
    });
  }
  for (int i = 0; i < 200; ++i) queue.Add("same");
  ASSERT_TRUE(testing::PollUntil([&] { return processed > 0 && queue.Len() == 0; }, seconds(5)));
  queue.ShutDown();
  for (auto& w : workers) w.join();
  EXPECT_EQ(max_in_flight, 1);
}

TEST(WorkQueueTest, AddAfterWaitsForTheClock) {
  FakeClock clock;
  WorkQueue queue(&clock, Exponential(milliseconds(5), seconds(1)));
  queue.AddAfter("k", seconds(10));
  queue.AddAfter("k", seconds(5));  // the earlier time wins
  EXPECT_EQ(queue.TryGet(), std::nullopt);
  EXPECT_EQ(queue.NumWaiting(), 1u);
  clock.Advance(seconds(4));
  EXPECT_EQ(queue.TryGet(), std::nullopt);
  clock.Advance(seconds(1));
  EXPECT_EQ(queue.TryGet(), "k");
}

TEST(WorkQueueTest, BlockingGetWakesWhenTheClockReachesADelayedKey) {
  FakeClock clock;
  WorkQueue queue(&clock, Exponential(milliseconds(5), seconds(1)));
  queue.AddAfter("k", seconds(30));
  std::atomic<bool> got{false};
  std::thread worker([&] {
    auto key = queue.Get();
    got = key.has_value();
  });
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_FALSE(got);
  clock.Advance(seconds(30));
  ASSERT_TRUE(testing::PollUntil([&] { return got.load(); }, seconds(5)));
  worker.join();
}

TEST(WorkQueueTest, RateLimitedBackoffGrowsPerKeyAndResetsOnForget) {
  ItemExponentialRateLimiter limiter(milliseconds(5), milliseconds(100));
  EXPECT_EQ(limiter.When("a"), milliseconds(5));
  EXPECT_EQ(limiter.When("a"), milliseconds(10));
  EXPECT_EQ(limiter.When("a"), milliseconds(20));
  EXPECT_EQ(limiter.When("b"), milliseconds(5)) << "per key";
  EXPECT_EQ(limiter.When("a"), milliseconds(40));
  EXPECT_EQ(limiter.When("a"), milliseconds(80));
  EXPECT_EQ(limiter.When("a"), milliseconds(100)) << "capped";
  EXPECT_EQ(limiter.NumRequeues("a"), 6);
  limiter.Forget("a");
  EXPECT_EQ(limiter.NumRequeues("a"), 0);
  EXPECT_EQ(limiter.When("a"), milliseconds(5));
}

TEST(WorkQueueTest, QueueAppliesBackoffToRateLimitedAdds) {
  FakeClock clock;
  WorkQueue queue(&clock, Exponential(milliseconds(100), seconds(10)));
  for (auto expected : {milliseconds(100), milliseconds(200), milliseconds(400)}) {
    queue.AddRateLimited("k");
    clock.Advance(expected - milliseconds(1));
    EXPECT_EQ(queue.TryGet(), std::nullopt);
    clock.Advance(milliseconds(1));
    ASSERT_EQ(queue.TryGet(), "k");
    queue.Done("k");
  }
  EXPECT_EQ(queue.NumRequeues("k"), 3);
  queue.Forget("k");
  queue.AddRateLimited("k");
  clock.Advance(milliseconds(100));
  EXPECT_EQ(queue.TryGet(), "k");
}

TEST(WorkQueueTest, TokenBucketAllowsBurstThenPacesAtQps) {
  FakeClock clock;
  TokenBucketRateLimiter bucket(10, 3, &clock);
  EXPECT_EQ(bucket.When("a"), Clock::Duration::zero());
  EXPECT_EQ(bucket.When("b"), Clock::Duration::zero());
  EXPECT_EQ(bucket.When("c"), Clock::Duration::zero());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(bucket.When("d")), milliseconds(100));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(bucket.When("e")), milliseconds(200));
  clock.Advance(seconds(1));  // refills, but never above the burst
  EXPECT_EQ(bucket.When("f"), Clock::Duration::zero());
}

TEST(WorkQueueTest, ControllerLimiterTakesTheLongerOfBackoffAndBucket) {
  FakeClock clock;
  RateLimiterOptions options;
  options.base_delay = milliseconds(1);
  options.max_delay = seconds(1);
  options.qps = 1;
  options.burst = 1;
  auto limiter = MakeControllerRateLimiter(options, &clock);
  EXPECT_EQ(limiter->When("a"), milliseconds(1));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(limiter->When("b")), milliseconds(1000));
}

TEST(WorkQueueTest, ShutDownWakesBlockedGetters) {
  WorkQueue queue(Clock::Real(), Exponential(milliseconds(5), seconds(1)));
  std::thread worker([&] { EXPECT_EQ(queue.Get(), std::nullopt); });
  std::this_thread::sleep_for(milliseconds(20));
  queue.ShutDown();
  worker.join();
  queue.Add("late");
  EXPECT_EQ(queue.Len(), 0u);
}

}  // namespace
}  // namespace curve::k8s
