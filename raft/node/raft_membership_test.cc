// Real processes over loopback gRPC with fsync on: replace a member of a 3-member group (add a
// fourth node, which catches up through a snapshot, then remove one of the original three) while
// clients stream writes. The group must end with 3 healthy members holding identical state that
// contains every acknowledged write.

#include <gtest/gtest.h>

#include <chrono>

#include "common/testing/subprocess.h"
#include "raft/core/configuration.h"
#include "raft/node/errors.h"
#include "raft/node/testing/kv_workload.h"
#include "raft/node/testing/process_cluster.h"

namespace curve::raft {
namespace {

using curve::testing::PollUntil;
using std::chrono::milliseconds;

constexpr uint64_t kGroup = 1;
constexpr milliseconds kTick{50};
constexpr int kElectionTick = 10;

TEST(RaftMembershipTest, ReplaceAMemberWhileWritesFlow) {
  ProcessCluster cluster({1, 2, 3}, kGroup, kTick, kElectionTick);
  for (NodeId id : {1, 2, 3, 4}) {
    NodeProcessOptions options = cluster.Options(id);
    // Snapshot often, so the leader's log is compacted by the time node 4 joins.
    options.snapshot_interval = 200;
    options.extra_flags.push_back("--snapshot_keep_entries=20");
    if (id == 4) {
      options.join = true;  // starts empty and learns its membership from the leader
      options.members.clear();
    }
    ASSERT_TRUE(cluster.Start(options).ok()) << id;
  }
  std::optional<testnode::StatusResponse> leader;
  ASSERT_TRUE(
      PollUntil([&] { return (leader = cluster.Leader()).has_value(); }, milliseconds(10000)));

  KvWorkload workload([&] { return cluster.Live(); }, kGroup, /*threads=*/3);
  workload.Start();
  ASSERT_TRUE(PollUntil([&] { return workload.acked() >= 500; }, milliseconds(20000)));

  // Replace a follower by node 4, through whichever node leads at the time.
  NodeId leaving = kNoNode;
  Status replaced;
  ASSERT_TRUE(PollUntil(
      [&] {
        leader = cluster.Leader();
        if (!leader) return false;
        if (leaving == kNoNode) leaving = leader->id() == 3 ? 2 : 3;
        auto via = cluster.Node(leader->id());
        replaced = via->ChangePeers(kGroup, "replace", 4, cluster.Node(4)->address(), leaving);
        return replaced.ok();
      },
      milliseconds(30000)))
      << replaced;
  size_t acked_at_change = workload.acked();
  ASSERT_TRUE(
      PollUntil([&] { return workload.acked() >= acked_at_change + 300; }, milliseconds(20000)));
  workload.Stop();

  // The removed member leaves; the three left must be healthy and identical.
  cluster.Node(leaving)->Stop();
  cluster.Remove(leaving);
  std::vector<NodeId> members;
  for (NodeId id : {1, 2, 3, 4}) {
    if (id != leaving) members.push_back(id);
  }
  auto converged = cluster.Converged(milliseconds(20000));
  ASSERT_TRUE(converged.has_value()) << "replicas did not converge";
  leader = cluster.Leader();
  ASSERT_TRUE(leader.has_value());
  EXPECT_EQ(std::vector<NodeId>(leader->voters().begin(), leader->voters().end()), members);
  ASSERT_EQ(leader->peers_size(), 3);
  for (const auto& peer : leader->peers()) {
    EXPECT_EQ(peer.match(), leader->commit()) << "member " << peer.id() << " lags";
  }
  // Node 4 joined after the leader compacted its log: it was sent a snapshot.
  auto joined = cluster.Node(4)->Dump(kGroup);
  ASSERT_TRUE(joined.ok());
  EXPECT_GE(joined->snapshots_loaded(), 1u);
  size_t missing = 0;
  for (const auto& [k, v] : workload.Acknowledged()) {
    auto it = converged->find(k);
    if (it == converged->end() || it->second != v) ++missing;
  }
  EXPECT_EQ(missing, 0u);
  for (const std::string& key : workload.Lost()) EXPECT_EQ(converged->count(key), 0u) << key;
  std::printf("replaced %llu by 4; acknowledged=%zu lost=%zu unknown=%zu keys=%zu\n",
              static_cast<unsigned long long>(leaving), workload.Acknowledged().size(),
              workload.Lost().size(), workload.unknown(), converged->size());
}

}  // namespace
}  // namespace curve::raft
