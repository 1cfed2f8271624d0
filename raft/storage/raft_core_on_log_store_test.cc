// The raft core driven on top of LogStore: three nodes, each with its own disk (a fault-injecting
// file system) and store, a driver loop that persists every Ready through one WriteBatch, power
// cuts with restarts from disk, compaction, and a lagging follower caught up by InstallSnapshot.
// Proves the disk log satisfies what the core checks at startup and relies on while running.

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "common/fs/testing/fault_injection_file_system.h"
#include "raft/core/configuration.h"
#include "raft/core/raft_core.h"
#include "raft/storage/log_store.h"

namespace curve::raft {
namespace {

constexpr GroupId kGroup = 42;

std::string Encode(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) out += std::to_string(v.size()) + ":" + v;
  return out;
}

std::vector<std::string> Decode(const std::string& data) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos < data.size();) {
    size_t colon = data.find(':', pos);
    size_t n = std::stoul(data.substr(pos, colon - pos));
    out.push_back(data.substr(colon + 1, n));
    pos = colon + 1 + n;
  }
  return out;
}

struct DiskNode {
  NodeId id = 0;
  fs::testing::FaultInjectionFileSystem fs;
  std::unique_ptr<LogStore> store;
  std::unique_ptr<RaftCore> core;
  std::vector<std::string> applied;  // the state machine
  Index applied_index = 0;
};

class DiskCluster {
 public:
  DiskCluster() {
    for (NodeId id = 1; id <= 3; ++id) {
      auto node = std::make_unique<DiskNode>();
      node->id = id;
      nodes_[id] = std::move(node);
      OpenStore(*nodes_[id]);
      WriteBatch boot;
      boot.Bootstrap(kGroup, MakeConfiguration({1, 2, 3}));
      EXPECT_TRUE(nodes_[id]->store->Write(boot).ok());
      StartCore(*nodes_[id]);
    }
  }

  DiskNode& node(NodeId id) { return *nodes_.at(id); }

  void OpenStore(DiskNode& n) {
    LogStoreOptions o;
    o.dir = "/data/wal";
    o.fs = &n.fs;
    o.segment_bytes = 4096;
    o.max_segments = 3;
    Result<std::unique_ptr<LogStore>> store = LogStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.status();
    n.store = std::move(store).value();
  }

  void StartCore(DiskNode& n) {
    RaftOptions options;
    options.id = n.id;
    options.random_seed = n.id;
    Result<std::unique_ptr<RaftCore>> core =
        RaftCore::Create(options, n.store->Group(kGroup).get());
    ASSERT_TRUE(core.ok()) << core.status();
    n.core = std::move(core).value();
    Result<Snapshot> snap = n.store->Group(kGroup)->LatestSnapshot();
    ASSERT_TRUE(snap.ok()) << snap.status();
    n.applied = Decode(snap->data);
    n.applied_index = snap->meta.index;
  }

  // Power cut: everything not synced is lost; the node restarts from its disk.
  void PowerCycle(NodeId id, uint64_t seed) {
    DiskNode& n = node(id);
    n.core.reset();
    n.store.reset();
    n.fs.Restart(seed);
    OpenStore(n);
    StartCore(n);
  }

  void HandleReady(DiskNode& n) {
    Ready rd = n.core->GetReady();
    WriteBatch batch;
    if (rd.snapshot) {
      batch.InstallSnapshot(kGroup, *rd.snapshot);
      n.applied = Decode(rd.snapshot->data);
      n.applied_index = rd.snapshot->meta.index;
    }
    batch.Append(kGroup, rd.entries);
    if (rd.hard_state) batch.SetHardState(kGroup, *rd.hard_state);
    if (!batch.empty()) {
      ASSERT_TRUE(n.store->Write(std::move(batch)).ok());
    }
    for (auto* list : {&rd.messages, &rd.messages_after_persist}) {
      for (Message& m : *list) queue_.push_back(std::move(m));
    }
    for (const Entry& e : rd.committed_entries) {
      ASSERT_EQ(e.index, n.applied_index + 1);
      n.applied_index = e.index;
      if (e.type == EntryType::kNormal) n.applied.push_back(e.data);
    }
    n.core->Advance();
  }

  void Stabilize() {
    for (int round = 0; round < 10000; ++round) {
      bool busy = false;
      for (auto& [id, n] : nodes_) {
        while (n->core->HasReady()) {
          HandleReady(*n);
          busy = true;
        }
      }
      std::deque<Message> batch;
      batch.swap(queue_);
      for (Message& m : batch) {
        busy = true;
        NodeId from = m.from, to = m.to;
        bool snapshot = m.type == MessageType::kSnapshot;
        if (isolated_ == from || isolated_ == to) {
          if (snapshot) node(from).core->ReportSnapshot(to, false);
          continue;
        }
        ASSERT_TRUE(node(to).core->Step(std::move(m)).ok());
        if (snapshot) node(from).core->ReportSnapshot(to, true);
      }
      if (!busy) return;
    }
    FAIL() << "did not converge";
  }

  void SnapshotAndCompact(NodeId id) {
    DiskNode& n = node(id);
    std::shared_ptr<GroupLog> log = n.store->Group(kGroup);
    WriteBatch b;
    b.SaveSnapshot(kGroup, Snapshot{SnapshotMeta{n.applied_index, *log->TermAt(n.applied_index),
                                                 MakeConfiguration({1, 2, 3})},
                                    Encode(n.applied)});
    b.Compact(kGroup, n.applied_index);
    ASSERT_TRUE(n.store->Write(b).ok());
  }

  void Propose(NodeId leader, int count, const std::string& tag) {
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(node(leader).core->Propose(tag + std::to_string(i)).ok());
      Stabilize();
    }
  }

  // Ticks every node until one leads (at most 200 ticks); returns it, or kNoNode.
  NodeId TickUntilLeader() {
    for (int tick = 0; tick < 200; ++tick) {
      for (auto& [id, n] : nodes_) {
        if (n->core->role() == Role::kLeader) return id;
      }
      for (auto& [id, n] : nodes_) n->core->Tick();
      Stabilize();
    }
    return kNoNode;
  }

  NodeId isolated_ = 0;

 private:
  std::map<NodeId, std::unique_ptr<DiskNode>> nodes_;
  std::deque<Message> queue_;
};

TEST(RaftCoreOnLogStoreTest, ReplicatesSurvivesPowerCutsAndCatchesUpBySnapshot) {
  DiskCluster c;
  ASSERT_TRUE(c.node(1).core->Campaign().ok());
  c.Stabilize();
  ASSERT_EQ(c.node(1).core->role(), Role::kLeader);
  c.Propose(1, 30, "a");

  c.isolated_ = 3;
  c.Propose(1, 60, "b");
  c.SnapshotAndCompact(1);
  c.SnapshotAndCompact(2);
  EXPECT_GT(c.node(1).store->Group(kGroup)->FirstIndex(), 80u);
  c.PowerCycle(3, 11);  // the lagging follower restarts from its own disk
  c.isolated_ = 0;
  c.Propose(1, 5, "c");
  for (int i = 0; i < 3; ++i) {  // heartbeats reach node 3; it needs a snapshot
    c.node(1).core->Tick();
    c.Stabilize();
  }
  EXPECT_EQ(c.node(3).applied, c.node(1).applied);
  EXPECT_GT(c.node(3).store->Group(kGroup)->LatestSnapshotMeta().index, 80u);

  for (NodeId id = 1; id <= 3; ++id) c.PowerCycle(id, 100 + id);  // every acked write survives
  NodeId leader = c.TickUntilLeader();  // a fresh election among the restarted nodes
  ASSERT_NE(leader, kNoNode);
  c.Propose(leader, 20, "d");
  c.node(leader).core->Tick();  // a heartbeat carries the last commit index to the followers
  c.Stabilize();
  EXPECT_EQ(c.node(1).applied.size(), 115u);
  for (NodeId id = 1; id <= 3; ++id) EXPECT_EQ(c.node(id).applied, c.node(leader).applied) << id;
  EXPECT_GT(c.node(1).store->stats().segments_removed, 0u);
}

}  // namespace
}  // namespace curve::raft
