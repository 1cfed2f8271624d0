// Real processes over loopback gRPC with fsync on: kill -9 the leader of a 3-member group while
// clients stream writes. Every acknowledged write must survive, on the survivors and on the
// killed node once restarted; a write reported lost must never appear; a new leader must take
// over within a few election timeouts.

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>

#include "common/testing/subprocess.h"
#include "raft/node/testing/kv_workload.h"
#include "raft/node/testing/node_process.h"
#include "raft/node/testing/process_cluster.h"

namespace curve::raft {
namespace {

using curve::testing::PollUntil;
using curve::testing::TempDir;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kGroup = 1;
// 50 ms ticks, election after 10..20 ticks without a leader: 0.5 s to 1 s.
constexpr milliseconds kTick{50};
constexpr int kElectionTick = 10;
constexpr milliseconds kMaxElectionTimeout = kTick * kElectionTick * 2;

void ExpectAllSurvive(const std::map<std::string, std::string>& acked,
                      const std::map<std::string, std::string>& state, const std::string& where) {
  size_t missing = 0;
  for (const auto& [k, v] : acked) {
    auto it = state.find(k);
    if (it == state.end() || it->second != v) {
      if (++missing <= 5) ADD_FAILURE() << where << ": acknowledged write " << k << " is missing";
    }
  }
  EXPECT_EQ(missing, 0u) << where;
}

TEST(RaftFailoverTest, KillNineLeaderLosesNoAcknowledgedWrite) {
  ProcessCluster cluster({1, 2, 3}, kGroup, kTick, kElectionTick);
  for (NodeId id : {1, 2, 3}) ASSERT_TRUE(cluster.Start(cluster.Options(id)).ok());
  std::optional<testnode::StatusResponse> leader;
  ASSERT_TRUE(
      PollUntil([&] { return (leader = cluster.Leader()).has_value(); }, milliseconds(10000)));

  KvWorkload workload([&] { return cluster.Live(); }, kGroup, /*threads=*/4);
  workload.Start();
  ASSERT_TRUE(PollUntil([&] { return workload.acked() >= 300; }, milliseconds(20000)));

  // Kill the leader in the middle of the stream.
  leader = cluster.Leader();
  ASSERT_TRUE(leader.has_value());
  NodeId victim = leader->id();
  Term old_term = leader->term();
  std::shared_ptr<NodeProcess> killed = cluster.Node(victim);
  NodeProcessOptions victim_options = killed->options();
  size_t acked_at_kill = workload.acked();
  Clock::time_point kill_time = Clock::now();
  killed->Kill9();
  cluster.Remove(victim);
  killed.reset();

  std::optional<testnode::StatusResponse> successor;
  ASSERT_TRUE(PollUntil(
      [&] {
        successor = cluster.Leader();
        return successor && successor->term() > old_term;
      },
      milliseconds(10000)));
  auto takeover = std::chrono::duration_cast<milliseconds>(Clock::now() - kill_time);
  std::printf(
      "leader %llu killed; node %llu leads term %llu after %lld ms\n",
      static_cast<unsigned long long>(victim), static_cast<unsigned long long>(successor->id()),
      static_cast<unsigned long long>(successor->term()), static_cast<long long>(takeover.count()));
  // Followers stop voting for others only one election timeout after they last heard the
  // leader, then time out themselves within another: allow a few election timeouts.
  EXPECT_LT(takeover, 4 * kMaxElectionTimeout);
  // The new leader announced itself on its status lines too.
  std::string announced = "ROLE group=1 node=" + std::to_string(successor->id()) +
                          " role=leader term=" + std::to_string(successor->term());
  bool printed = false;
  for (const std::string& line : cluster.Node(successor->id())->TakeLines()) {
    printed = printed || line.rfind(announced, 0) == 0;
  }
  EXPECT_TRUE(printed) << "no line starting with: " << announced;

  // Writes resume on the new leader; then the killed node comes back from its disk.
  ASSERT_TRUE(
      PollUntil([&] { return workload.acked() >= acked_at_kill + 300; }, milliseconds(20000)));
  ASSERT_TRUE(cluster.Start(victim_options).ok());
  size_t acked_at_restart = workload.acked();
  ASSERT_TRUE(
      PollUntil([&] { return workload.acked() >= acked_at_restart + 200; }, milliseconds(20000)));
  workload.Stop();

  std::map<std::string, std::string> acked = workload.Acknowledged();
  auto converged = cluster.Converged(milliseconds(20000));
  ASSERT_TRUE(converged.has_value()) << "replicas did not converge";
  const std::map<std::string, std::string>& state = *converged;
  ExpectAllSurvive(acked, state, "all three replicas");
  for (const std::string& key : workload.Lost()) {
    EXPECT_EQ(state.count(key), 0u) << "write " << key << " reported lost but present";
  }
  // The restarted node on its own, and a linearizable read through the leader.
  auto restarted = cluster.Node(victim)->Dump(kGroup);
  ASSERT_TRUE(restarted.ok());
  ExpectAllSurvive(
      acked,
      std::map<std::string, std::string>(restarted->values().begin(), restarted->values().end()),
      "restarted node");
  auto reader = cluster.Node(cluster.Leader()->id());
  const auto& [some_key, some_value] = *acked.begin();
  auto read = reader->Get(kGroup, some_key);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->value_or("<missing>"), some_value);
  std::printf("acknowledged=%zu lost=%zu unknown=%zu final_keys=%zu\n", acked.size(),
              workload.Lost().size(), workload.unknown(), state.size());
}

}  // namespace
}  // namespace curve::raft
