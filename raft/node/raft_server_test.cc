// RaftServer end to end inside one process: three (or four) servers on loopback gRPC, each with
// its own log directory, driving key/value groups.

#include "raft/node/raft_server.h"

#include <gtest/gtest.h>

#include <future>
#include <map>

#include "common/testing/subprocess.h"
#include "raft/node/errors.h"
#include "raft/node/testing/kv_state_machine.h"

namespace curve::raft {
namespace {

using curve::testing::PollUntil;
using curve::testing::TempDir;
using std::chrono::milliseconds;

constexpr milliseconds kWait{15000};

struct Member {
  NodeId id = 0;
  std::string dir;
  int port = 0;
  std::unique_ptr<RaftServer> server;
  std::map<GroupId, std::unique_ptr<KvStateMachine>> machines;
  std::map<GroupId, std::shared_ptr<RaftGroup>> groups;
};

class ClusterTest : public ::testing::Test {
 protected:
  std::string Address(NodeId id) { return "127.0.0.1:" + std::to_string(members_[id].port); }

  void StartServer(NodeId id) {
    Member& m = members_[id];
    m.id = id;
    if (m.dir.empty()) m.dir = dir_.path() + "/node" + std::to_string(id);
    if (m.port == 0) m.port = curve::testing::PickFreePort();
    RaftServerOptions options;
    options.node_id = id;
    options.listen_address = "127.0.0.1:" + std::to_string(m.port);
    options.data_dir = m.dir;
    options.sync = false;
    options.tick_interval = milliseconds(50);
    options.driver_threads = driver_threads_;
    for (auto& [peer, other] : members_) {
      if (other.port != 0) options.peers[peer] = Address(peer);
    }
    auto server = RaftServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    m.server = std::move(server).value();
    for (auto& [peer, other] : members_) {
      if (other.server != nullptr && peer != id) other.server->SetPeerAddress(id, Address(id));
    }
  }

  void CreateGroup(NodeId id, GroupId group, std::vector<NodeId> initial, uint64_t interval = 0,
                   ReadMode read_mode = ReadMode::kReadIndex) {
    Member& m = members_[id];
    m.machines[group] = std::make_unique<KvStateMachine>();
    GroupOptions options;
    options.id = group;
    options.initial_members = std::move(initial);
    options.state_machine = m.machines[group].get();
    options.snapshot_interval = interval;
    options.snapshot_keep_entries = 5;
    options.raft.read_mode = read_mode;
    auto handle = m.server->CreateGroup(options);
    ASSERT_TRUE(handle.ok()) << handle.status();
    m.groups[group] = *handle;
  }

  void StopServer(NodeId id) {
    Member& m = members_[id];
    m.server->Shutdown();
    m.groups.clear();
    m.server.reset();
    m.machines.clear();
  }

  // The id of the member that leads `group` according to a majority's view, or 0.
  NodeId Leader(GroupId group) {
    for (auto& [id, m] : members_) {
      if (m.groups.count(group) == 0) continue;
      auto status = m.groups[group]->GetStatus();
      if (status.ok() && status->role == Role::kLeader) return id;
    }
    return kNoNode;
  }

  NodeId WaitForLeader(GroupId group) {
    NodeId leader = kNoNode;
    EXPECT_TRUE(PollUntil([&] { return (leader = Leader(group)) != kNoNode; }, kWait));
    return leader;
  }

  Result<Index> Put(NodeId via, GroupId group, const std::string& key, const std::string& value) {
    std::promise<Result<Index>> done;
    members_[via].groups[group]->Propose(EncodePut(key, value),
                                         [&](Result<Index> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  Result<Index> Barrier(NodeId via, GroupId group) {
    std::promise<Result<Index>> done;
    members_[via].groups[group]->ReadBarrier(
        [&](Result<Index> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  bool SameState(GroupId group, const std::vector<NodeId>& ids) {
    std::map<std::string, std::string> first;
    for (size_t i = 0; i < ids.size(); ++i) {
      auto state = members_[ids[i]].machines[group]->Dump(nullptr);
      if (i == 0) first = state;
      if (state != first) return false;
    }
    return true;
  }

  void TearDown() override {
    for (auto& [id, m] : members_) {
      if (m.server != nullptr) m.server->Shutdown();
    }
  }

  TempDir dir_;
  std::map<NodeId, Member> members_;
  int driver_threads_ = 1;
};

TEST_F(ClusterTest, ReplicatesReadsAndRedirectsToTheLeader) {
  for (NodeId id : {1, 2, 3}) members_[id].port = curve::testing::PickFreePort();
  for (NodeId id : {1, 2, 3}) StartServer(id);
  for (NodeId id : {1, 2, 3}) CreateGroup(id, 7, {1, 2, 3});
  NodeId leader = WaitForLeader(7);
  ASSERT_NE(leader, kNoNode);
  Index last = 0;
  for (int i = 0; i < 50; ++i) {
    auto index = Put(leader, 7, "k" + std::to_string(i), "v" + std::to_string(i));
    ASSERT_TRUE(index.ok()) << index.status();
    EXPECT_GT(*index, last);
    last = *index;
  }
  auto barrier = Barrier(leader, 7);
  ASSERT_TRUE(barrier.ok()) << barrier.status();
  EXPECT_GE(*barrier, last);
  EXPECT_EQ(members_[leader].machines[7]->Get("k49"), "v49");

  NodeId follower = leader == 1 ? 2 : 1;
  auto refused = Put(follower, 7, "x", "y");
  ASSERT_FALSE(refused.ok());
  auto hint = ParseNotLeader(refused.status());
  ASSERT_TRUE(hint.has_value()) << refused.status();
  EXPECT_EQ(hint->leader, leader);
  EXPECT_EQ(hint->address, Address(leader));
  EXPECT_TRUE(ParseNotLeader(Barrier(follower, 7).status()).has_value());

  ASSERT_TRUE(PollUntil([&] { return SameState(7, {1, 2, 3}); }, kWait));
  auto status = members_[leader].groups[7]->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->peers.size(), 3u);
  for (const auto& p : status->peers) EXPECT_GE(p.match, last) << p.id;
}

// ProposeAll hands a batch to the driver at once: consecutive indexes, one Ready, so the
// followers get the entries in far fewer frames than one per entry; on a follower every
// proposal is refused with the leader's hint.
TEST_F(ClusterTest, ProposeAllReplicatesABatchInFewFrames) {
  for (NodeId id : {1, 2, 3}) members_[id].port = curve::testing::PickFreePort();
  for (NodeId id : {1, 2, 3}) StartServer(id);
  for (NodeId id : {1, 2, 3}) CreateGroup(id, 7, {1, 2, 3});
  NodeId leader = WaitForLeader(7);
  ASSERT_NE(leader, kNoNode);
  ASSERT_TRUE(Put(leader, 7, "warm", "up").ok());
  constexpr int kBatch = 40;
  auto propose_all = [&](NodeId via) {
    std::vector<std::promise<Result<Index>>> done(kBatch);
    std::vector<std::pair<std::string, IndexCallback>> batch;
    for (int i = 0; i < kBatch; ++i) {
      batch.emplace_back(EncodePut("b" + std::to_string(i), std::to_string(i)),
                         [&done, i](Result<Index> r) { done[i].set_value(std::move(r)); });
    }
    members_[via].groups[7]->ProposeAll(std::move(batch));
    std::vector<Result<Index>> out;
    for (auto& d : done) out.push_back(d.get_future().get());
    return out;
  };
  uint64_t frames_before = members_[leader].server->stats().transport.frames_sent;
  auto results = propose_all(leader);
  uint64_t frames = members_[leader].server->stats().transport.frames_sent - frames_before;
  for (int i = 0; i < kBatch; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
    EXPECT_EQ(*results[i], *results[0] + i);
  }
  // One append per follower carries the batch; acknowledgements and heartbeats add a few.
  EXPECT_LT(frames, static_cast<uint64_t>(kBatch)) << frames;
  ASSERT_TRUE(PollUntil([&] { return SameState(7, {1, 2, 3}); }, kWait));
  EXPECT_EQ(members_[leader].machines[7]->Get("b39"), "39");

  NodeId follower = leader == 1 ? 2 : 1;
  for (auto& r : propose_all(follower)) {
    ASSERT_FALSE(r.ok());
    auto hint = ParseNotLeader(r.status());
    ASSERT_TRUE(hint.has_value()) << r.status();
    EXPECT_EQ(hint->leader, leader);
  }
}

TEST_F(ClusterTest, LeaseReadsAndFollowerStatus) {
  for (NodeId id : {1, 2, 3}) members_[id].port = curve::testing::PickFreePort();
  for (NodeId id : {1, 2, 3}) StartServer(id);
  for (NodeId id : {1, 2, 3}) CreateGroup(id, 3, {1, 2, 3}, 0, ReadMode::kLeaseBased);
  NodeId leader = WaitForLeader(3);
  auto written = Put(leader, 3, "a", "1");
  ASSERT_TRUE(written.ok()) << written.status();
  for (int i = 0; i < 20; ++i) {
    auto read = Barrier(leader, 3);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_GE(*read, *written);
  }
  // A follower knows the leader and its address (polled: a slow machine may re-elect).
  NodeId follower = kNoNode;
  Result<GroupStatus> status = UnavailableError("not polled");
  ASSERT_TRUE(PollUntil(
      [&] {
        leader = Leader(3);
        if (leader == kNoNode) return false;
        follower = leader == 1 ? 2 : 1;
        status = members_[follower].groups[3]->GetStatus();
        return status.ok() && status->applied >= *written && status->leader == leader;
      },
      kWait));
  EXPECT_EQ(status->role, Role::kFollower);
  EXPECT_EQ(status->leader_address, Address(leader));
  EXPECT_TRUE(status->peers.empty());  // only leaders track peers
}

TEST_F(ClusterTest, TransfersLeadership) {
  for (NodeId id : {1, 2, 3}) members_[id].port = curve::testing::PickFreePort();
  for (NodeId id : {1, 2, 3}) StartServer(id);
  for (NodeId id : {1, 2, 3}) CreateGroup(id, 1, {1, 2, 3});
  NodeId leader = WaitForLeader(1);
  ASSERT_TRUE(Put(leader, 1, "a", "1").ok());
  NodeId target = leader == 3 ? 1 : leader + 1;
  std::promise<Status> started;
  members_[leader].groups[1]->TransferLeader(target, [&](Status s) { started.set_value(s); });
  ASSERT_TRUE(started.get_future().get().ok());
  ASSERT_TRUE(PollUntil([&] { return Leader(1) == target; }, kWait));
  ASSERT_TRUE(Put(target, 1, "b", "2").ok());
}

TEST_F(ClusterTest, ReplacesAMemberThroughASnapshot) {
  for (NodeId id : {1, 2, 3, 4}) members_[id].port = curve::testing::PickFreePort();
  for (NodeId id : {1, 2, 3, 4}) StartServer(id);
  for (NodeId id : {1, 2, 3}) CreateGroup(id, 5, {1, 2, 3}, /*interval=*/20);
  CreateGroup(4, 5, {}, /*interval=*/20);  // joins empty
  NodeId leader = WaitForLeader(5);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(Put(leader, 5, "k" + std::to_string(i), "v").ok());
  // The leader compacted its log: node 4 must catch up from a snapshot.
  NodeId leaving = leader == 3 ? 2 : 3;
  std::promise<Result<Index>> replaced;
  members_[leader].groups[5]->ChangePeers(
      PeerChange{PeerChange::Kind::kReplace, 4, Address(4), leaving},
      [&](Result<Index> r) { replaced.set_value(std::move(r)); });
  auto result = replaced.get_future().get();
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(Put(leader, 5, "after", "replace").ok());
  std::vector<NodeId> now;
  for (NodeId id : {1, 2, 3, 4}) {
    if (id != leaving) now.push_back(id);
  }
  ASSERT_TRUE(PollUntil([&] { return SameState(5, now); }, kWait));
  EXPECT_EQ(members_[4].machines[5]->Get("after"), "replace");
  EXPECT_GE(members_[4].machines[5]->snapshots_loaded(), 1u);
  auto status = members_[leader].groups[5]->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->config, MakeConfiguration(now));
}

TEST_F(ClusterTest, RestartRecoversStateFromLogAndSnapshot) {
  for (NodeId id : {1, 2, 3}) members_[id].port = curve::testing::PickFreePort();
  for (NodeId id : {1, 2, 3}) StartServer(id);
  for (NodeId id : {1, 2, 3}) CreateGroup(id, 9, {1, 2, 3}, /*interval=*/25);
  NodeId leader = WaitForLeader(9);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(Put(leader, 9, "k" + std::to_string(i), "v").ok());
  NodeId restarted = leader == 1 ? 2 : 1;
  ASSERT_TRUE(PollUntil([&] { return SameState(9, {1, 2, 3}); }, kWait));
  StopServer(restarted);
  ASSERT_TRUE(Put(leader, 9, "while", "down").ok());
  StartServer(restarted);
  CreateGroup(restarted, 9, {1, 2, 3}, /*interval=*/25);
  ASSERT_TRUE(PollUntil([&] { return SameState(9, {1, 2, 3}); }, kWait));
  EXPECT_EQ(members_[restarted].machines[9]->Get("k0"), "v");
  EXPECT_EQ(members_[restarted].machines[9]->Get("while"), "down");
}

TEST_F(ClusterTest, ManyGroupsOnSeveralDriversShareOneStreamPerPeer) {
  driver_threads_ = 3;
  for (NodeId id : {1, 2, 3}) members_[id].port = curve::testing::PickFreePort();
  for (NodeId id : {1, 2, 3}) StartServer(id);
  for (GroupId g = 1; g <= 20; ++g) {
    for (NodeId id : {1, 2, 3}) CreateGroup(id, g, {1, 2, 3});
  }
  for (GroupId g = 1; g <= 20; ++g) {
    NodeId leader = WaitForLeader(g);
    ASSERT_TRUE(Put(leader, g, "g", std::to_string(g)).ok());
  }
  // Dialed or accepted, each pair of processes ends with one stream (streams replaced during
  // start-up races take a moment to be torn down).
  for (NodeId id : {1, 2, 3}) {
    EXPECT_TRUE(
        PollUntil([&] { return members_[id].server->stats().transport.live_streams == 2u; }, kWait))
        << "node " << id << " has " << members_[id].server->stats().transport.live_streams;
  }
}

}  // namespace
}  // namespace curve::raft
