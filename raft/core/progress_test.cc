#include "raft/core/progress.h"

#include <gtest/gtest.h>

namespace curve::raft {
namespace {

TEST(InflightsTest, WindowByCountAndBytes) {
  Inflights in(3, 100);
  in.Add(1, 10);
  in.Add(2, 10);
  EXPECT_FALSE(in.Full());
  in.Add(3, 10);
  EXPECT_TRUE(in.Full());
  in.FreeLE(2);
  EXPECT_EQ(in.count(), 1u);
  EXPECT_FALSE(in.Full());
  in.Add(4, 95);
  EXPECT_TRUE(in.Full());  // bytes
  in.FreeFirstOne();
  EXPECT_EQ(in.bytes(), 95u);
}

TEST(ProgressTest, ProbeSendsOneAtATime) {
  Progress pr(5, 4, 0);
  EXPECT_FALSE(pr.IsPaused());
  pr.SentEntries(6, 10);
  EXPECT_TRUE(pr.IsPaused());
  pr.OnHeartbeatResponse();
  EXPECT_FALSE(pr.IsPaused());
}

TEST(ProgressTest, ReplicatePipelinesUpToTheWindow) {
  Progress pr(1, 2, 0);
  ASSERT_TRUE(pr.MaybeUpdate(3));
  pr.BecomeReplicate();
  EXPECT_EQ(pr.next(), 4u);
  pr.SentEntries(5, 1);
  pr.SentEntries(7, 1);
  EXPECT_EQ(pr.next(), 8u);
  EXPECT_TRUE(pr.IsPaused());
  EXPECT_TRUE(pr.MaybeUpdate(5));
  pr.inflights_mutable().FreeLE(5);
  EXPECT_FALSE(pr.IsPaused());
}

TEST(ProgressTest, StaleRejectionsAreIgnored) {
  Progress pr(10, 4, 0);
  // Probe: only the answer to next - 1 counts.
  EXPECT_FALSE(pr.MaybeDecreaseTo(5, 3));
  EXPECT_TRUE(pr.MaybeDecreaseTo(9, 3));
  EXPECT_EQ(pr.next(), 4u);
  // Replicate: rejections at or below match are stale.
  ASSERT_TRUE(pr.MaybeUpdate(6));
  pr.BecomeReplicate();
  EXPECT_FALSE(pr.MaybeDecreaseTo(6, 0));
  EXPECT_TRUE(pr.MaybeDecreaseTo(8, 0));
  EXPECT_EQ(pr.next(), 7u);
}

TEST(ProgressTest, SnapshotStatePausesUntilReported) {
  Progress pr(1, 4, 0);
  pr.BecomeSnapshot(50);
  EXPECT_TRUE(pr.IsPaused());
  pr.OnSnapshotReport(true);
  EXPECT_EQ(pr.state(), ProgressState::kProbe);
  EXPECT_EQ(pr.next(), 51u);
  EXPECT_TRUE(pr.IsPaused());  // waits for the follower's answer
  pr.BecomeSnapshot(60);
  pr.OnSnapshotReport(false);
  EXPECT_EQ(pr.next(), 1u);
}

}  // namespace
}  // namespace curve::raft
