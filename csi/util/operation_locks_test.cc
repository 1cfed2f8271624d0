#include "csi/util/operation_locks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace curve::csi {
namespace {

TEST(OperationLocksTest, SecondOperationOnAKeyIsAborted) {
  OperationLocks locks;
  {
    auto first = locks.TryAcquire("vol1", "volume");
    ASSERT_TRUE(first.ok());
    auto second = locks.TryAcquire("vol1", "volume");
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), StatusCode::kAborted);
    EXPECT_NE(second.status().message().find("volume vol1"), std::string::npos);
    EXPECT_TRUE(locks.TryAcquire("vol2", "volume").ok());  // other keys are independent
    EXPECT_TRUE(locks.IsHeld("vol1"));
  }
  EXPECT_FALSE(locks.IsHeld("vol1"));
  EXPECT_TRUE(locks.TryAcquire("vol1", "volume").ok());  // released by the guard
}

TEST(OperationLocksTest, MovedGuardReleasesOnce) {
  OperationLocks locks;
  auto guard = locks.TryAcquire("k", "volume");
  ASSERT_TRUE(guard.ok());
  {
    OperationLocks::Guard moved = std::move(guard).value();
    EXPECT_TRUE(moved.held());
    EXPECT_TRUE(locks.IsHeld("k"));
  }
  EXPECT_FALSE(locks.IsHeld("k"));
}

TEST(OperationLocksTest, ConcurrentCallersExactlyOneWins) {
  OperationLocks locks;
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> winners{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    std::vector<OperationLocks::Guard> kept(8);
    std::atomic<int> done{0};
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&] {
        while (!go) {
        }
        auto guard = locks.TryAcquire("same", "volume");
        if (guard.ok()) {
          ++winners;
          while (done.load() < 7) std::this_thread::yield();  // hold until the others tried
        } else {
          ++done;
        }
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1);
    EXPECT_FALSE(locks.IsHeld("same"));
  }
}

}  // namespace
}  // namespace curve::csi
