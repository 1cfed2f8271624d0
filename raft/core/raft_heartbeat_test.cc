// Heartbeat rounds on a clock shared by the groups of a process: they leave on the same ticks.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "raft/core/testing/test_cluster.h"

namespace curve::raft {
namespace {

using testing::TestCluster;

// The shared clock values of the next `ticks` leader ticks of node 1 that emitted heartbeats.
std::vector<uint64_t> HeartbeatTicks(TestCluster& c, uint64_t* clock, int ticks) {
  std::vector<uint64_t> out;
  for (int i = 0; i < ticks; ++i) {
    c.core(1).Tick(++*clock);
    c.ProcessReadies();
    bool heartbeat = false;
    for (const Message& m : c.queue()) heartbeat |= m.type == MessageType::kHeartbeat;
    if (heartbeat) out.push_back(*clock);
    c.Stabilize();
  }
  return out;
}

TEST(RaftHeartbeatTest, RoundsAlignOnTheSharedClockWhateverTheElectionTick) {
  for (uint64_t elected_at = 0; elected_at < 3; ++elected_at) {
    TestCluster c(3, [](RaftOptions* o) { o->heartbeat_tick = 3; });
    ASSERT_TRUE(c.Elect(1));
    uint64_t clock = elected_at;
    std::vector<uint64_t> ticks = HeartbeatTicks(c, &clock, 12);
    ASSERT_FALSE(ticks.empty());
    for (uint64_t t : ticks) EXPECT_EQ(t % 3, 0u) << "elected at " << elected_at;
    // One round per heartbeat_tick: none skipped, none extra.
    EXPECT_EQ(ticks.size(), 4u) << "elected at " << elected_at;
  }
}

TEST(RaftHeartbeatTest, WithoutSharedClockRoundsFollowTheElection) {
  TestCluster c(3, [](RaftOptions* o) { o->heartbeat_tick = 3; });
  ASSERT_TRUE(c.Elect(1));
  std::vector<int> ticks;
  for (int i = 1; i <= 9; ++i) {
    c.core(1).Tick();
    c.ProcessReadies();
    for (const Message& m : c.queue()) {
      if (m.type == MessageType::kHeartbeat) {
        ticks.push_back(i);
        break;
      }
    }
    c.Stabilize();
  }
  EXPECT_EQ(ticks, (std::vector<int>{3, 6, 9}));
}

TEST(RaftHeartbeatTest, NeverLaterThanHeartbeatTickWhenTheClockJumps) {
  TestCluster c(3, [](RaftOptions* o) { o->heartbeat_tick = 2; });
  ASSERT_TRUE(c.Elect(1));
  // A clock that only ever shows odd values never hits a multiple of 2: the rounds still come
  // every heartbeat_tick ticks.
  int rounds = 0;
  for (uint64_t clock = 1; clock < 21; clock += 2) {
    c.core(1).Tick(clock);
    c.ProcessReadies();
    for (const Message& m : c.queue()) {
      if (m.type == MessageType::kHeartbeat) {
        ++rounds;
        break;
      }
    }
    c.Stabilize();
  }
  EXPECT_EQ(rounds, 5);
}

}  // namespace
}  // namespace curve::raft
