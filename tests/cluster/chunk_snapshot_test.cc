// Copy-on-write snapshots on a loopback cluster, through the chunk RPCs: a write at a raised
// sequence preserves the chunk on every replica; ReadChunkSnapshot answers the preserved data
// from the leader and, after the leader is killed, from the new one; DeleteChunkSnapshot drops
// the copies, also on the killed replica once it is back; a member that replaces a dead one
// receives the copy through the raft snapshot stream.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "common/testing/subprocess.h"
#include "proto/chunkserver/chunk.grpc.pb.h"
#include "proto/mds/namespace.grpc.pb.h"
#include "services/chunkserver/datastore/chunk_store.h"
#include "services/mds/client/mds_client.h"
#include "tests/cluster/local_cluster.h"
#include "tests/cluster/pattern.h"

namespace curve::testing {
namespace {

using chunkserver::ChunkService;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kLength = 64 * 1024;
constexpr uint64_t kOffset = 128 * 1024;

// Calls one chunk RPC on the cluster's live chunkservers until one (the copyset's leader) answers
// OK; returns that chunkserver's index, or -1 with `last` holding the last refusal.
class ChunkRpc {
 public:
  using Attempt = std::function<grpc::Status(ChunkService::Stub&, grpc::ClientContext&)>;

  explicit ChunkRpc(const LocalCluster& cluster) : cluster_(cluster) {
    for (int i = 0; i < cluster.chunkserver_count(); ++i) {
      stubs_.push_back(ChunkService::NewStub(
          grpc::CreateChannel(cluster.chunkserver_address(i), grpc::InsecureChannelCredentials())));
    }
  }

  int OnLeader(const Attempt& attempt, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    int answered = -1;
    PollUntil(
        [&] {
          for (int i = 0; i < static_cast<int>(stubs_.size()); ++i) {
            if (cluster_.chunkserver_pid(i) <= 0) continue;
            grpc::ClientContext context;
            context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
            grpc::Status status = attempt(*stubs_[i], context);
            if (status.ok()) {
              answered = i;
              return true;
            }
            last = status.error_message();
          }
          return false;
        },
        timeout);
    return answered;
  }

  std::string last;

 private:
  const LocalCluster& cluster_;
  std::vector<std::unique_ptr<ChunkService::Stub>> stubs_;
};

// The third chunk of the first segment of a new 8 MiB volume, and the chunk RPCs on it.
class ClusterChunk {
 public:
  explicit ClusterChunk(const LocalCluster& cluster) : rpc(cluster) {}

  // Creates the volume and allocates the segment.
  Status Allocate(LocalCluster& cluster, const std::string& path) {
    CURVE_RETURN_IF_ERROR(cluster.CreateVolume("alice", path, 8 * kMiB));
    mds::GetOrAllocateSegmentRequest request;
    request.set_user("alice");
    request.set_path(path);
    request.set_offset(0);
    request.set_allocate(true);
    mds::GetOrAllocateSegmentResponse segment;
    CURVE_ASSIGN_OR_RETURN(auto mds, mds::MdsClient::Create({.addresses = cluster.mds_list()}));
    CURVE_RETURN_IF_ERROR(mds->Call("GetOrAllocateSegment", [&](const auto& channel,
                                                                grpc::ClientContext& c) {
      return mds::NamespaceService::NewStub(channel)->GetOrAllocateSegment(&c, request, &segment);
    }));
    if (segment.segment().chunks_size() < 3) return InternalError("segment of < 3 chunks");
    address.set_logical_pool_id(segment.segment().logical_pool_id());
    address.set_copyset_id(segment.segment().chunks(2).copyset_id());
    address.set_chunk_id(segment.segment().chunks(2).chunk_id());
    return Status::Ok();
  }

  // Each returns the index of the chunkserver that answered OK, or -1 (rpc.last says why).
  int Write(const std::string& data, uint64_t sequence) {
    chunkserver::WriteChunkRequest request;
    *request.mutable_chunk() = address;
    request.set_offset(kOffset);
    request.set_data(data);
    request.set_sequence(sequence);
    return rpc.OnLeader([&](ChunkService::Stub& stub, grpc::ClientContext& c) {
      chunkserver::WriteChunkResponse response;
      return stub.WriteChunk(&c, request, &response);
    });
  }
  int ReadSnapshot(uint64_t sequence, chunkserver::ReadChunkSnapshotResponse* response) {
    chunkserver::ReadChunkSnapshotRequest request;
    *request.mutable_chunk() = address;
    request.set_sequence(sequence);
    request.set_offset(kOffset);
    request.set_length(kLength);
    return rpc.OnLeader([&](ChunkService::Stub& stub, grpc::ClientContext& c) {
      return stub.ReadChunkSnapshot(&c, request, response);
    });
  }
  int Read(chunkserver::ReadChunkResponse* response) {
    chunkserver::ReadChunkRequest request;
    *request.mutable_chunk() = address;
    request.set_offset(kOffset);
    request.set_length(kLength);
    return rpc.OnLeader([&](ChunkService::Stub& stub, grpc::ClientContext& c) {
      return stub.ReadChunk(&c, request, response);
    });
  }
  int Info(chunkserver::GetChunkInfoResponse* response) {
    chunkserver::GetChunkInfoRequest request;
    *request.mutable_chunk() = address;
    return rpc.OnLeader([&](ChunkService::Stub& stub, grpc::ClientContext& c) {
      return stub.GetChunkInfo(&c, request, response);
    });
  }
  int DeleteSnapshot(uint64_t sequence) {
    chunkserver::DeleteChunkSnapshotRequest request;
    *request.mutable_chunk() = address;
    request.set_sequence(sequence);
    return rpc.OnLeader([&](ChunkService::Stub& stub, grpc::ClientContext& c) {
      chunkserver::DeleteChunkSnapshotResponse response;
      return stub.DeleteChunkSnapshot(&c, request, &response);
    });
  }

  ChunkRpc rpc;
  chunkserver::ChunkAddress address;
};

// Polls until every chunkserver but those in `except` has `files` pool files taken.
bool PoolsHold(const LocalCluster& cluster, uint64_t chunks_per_disk, uint64_t files,
               const std::vector<int>& except = {}) {
  return PollUntil(
      [&] {
        for (int i = 0; i < cluster.chunkserver_count(); ++i) {
          if (std::count(except.begin(), except.end(), i)) continue;
          if (cluster.PoolFileCount(i) != chunks_per_disk - files) return false;
        }
        return true;
      },
      std::chrono::seconds(30));
}

TEST(ChunkSnapshotTest, PreservedDataSurvivesLeaderLossUntilTheSnapshotIsDeleted) {
  LocalClusterOptions options;
  auto started = LocalCluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  LocalCluster& cluster = **started;
  ClusterChunk chunk(cluster);
  ASSERT_TRUE(chunk.Allocate(cluster, "/cow").ok());
  const std::string a = PatternRange(kOffset, kLength, 1);
  const std::string b = PatternRange(kOffset, kLength, 2);

  ASSERT_GE(chunk.Write(a, 1), 0) << chunk.rpc.last;
  const int leader = chunk.Write(b, 2);
  ASSERT_GE(leader, 0) << chunk.rpc.last;

  chunkserver::ReadChunkSnapshotResponse snap;
  ASSERT_EQ(chunk.ReadSnapshot(1, &snap), leader) << chunk.rpc.last;
  EXPECT_TRUE(snap.exists());
  EXPECT_TRUE(snap.data() == a) << "snapshot 1 does not read pattern A";
  chunkserver::ReadChunkResponse now;
  ASSERT_EQ(chunk.Read(&now), leader) << chunk.rpc.last;
  EXPECT_TRUE(now.data() == b) << "the chunk does not read pattern B";
  chunkserver::GetChunkInfoResponse info;
  ASSERT_GE(chunk.Info(&info), 0) << chunk.rpc.last;
  EXPECT_EQ(info.sequence(), 2u);
  EXPECT_EQ(info.snapshot_sequence(), 1u);

  // Every replica holds the chunk and its copy: two pool files each.
  ASSERT_TRUE(PoolsHold(cluster, options.chunks_per_disk, 2));

  cluster.KillChunkServer(leader);
  chunkserver::ReadChunkSnapshotResponse after;
  const int new_leader = chunk.ReadSnapshot(1, &after);
  ASSERT_GE(new_leader, 0) << chunk.rpc.last;
  EXPECT_NE(new_leader, leader);
  EXPECT_TRUE(after.exists());
  EXPECT_TRUE(after.data() == a) << "the new leader's snapshot 1 does not read pattern A";
  ASSERT_GE(chunk.Read(&now), 0) << chunk.rpc.last;
  EXPECT_TRUE(now.data() == b);
  // Snapshot 2 is the chunk itself (unchanged since).
  chunkserver::ReadChunkSnapshotResponse second;
  ASSERT_GE(chunk.ReadSnapshot(2, &second), 0) << chunk.rpc.last;
  EXPECT_TRUE(second.data() == b);

  ASSERT_GE(chunk.DeleteSnapshot(1), 0) << chunk.rpc.last;
  ASSERT_GE(chunk.Info(&info), 0) << chunk.rpc.last;
  EXPECT_EQ(info.snapshot_sequence(), 0u);
  EXPECT_EQ(info.sequence(), 2u);
  ASSERT_GE(chunk.ReadSnapshot(1, &after), 0) << chunk.rpc.last;
  EXPECT_FALSE(after.exists());

  // The killed replica catches up on the drop: its copy's file is back in its pool.
  ASSERT_TRUE(cluster.RestartChunkServer(leader).ok());
  EXPECT_TRUE(PoolsHold(cluster, options.chunks_per_disk, 1));
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// 4 chunkservers (zone 0 holds two) and a raft snapshot every 2 entries with nothing kept after
// it, so a new member can only catch up through the snapshot stream.
TEST(ChunkSnapshotTest, ReplacementMemberReceivesThePreservedCopy) {
  LocalClusterOptions options;
  options.chunkservers = 4;  // zone 0: chunkservers 0 and 3
  options.replace_after = std::chrono::milliseconds(2000);
  options.chunkserver_flags = {"--copyset.snapshotInterval=2", "--copyset.snapshotKeepEntries=0"};
  auto started = LocalCluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  LocalCluster& cluster = **started;
  ClusterChunk chunk(cluster);
  ASSERT_TRUE(chunk.Allocate(cluster, "/cow").ok());

  // The zone-0 member of the chunk's copyset dies; the other zone-0 chunkserver replaces it.
  auto topology = cluster.GetTopology();
  ASSERT_TRUE(topology.ok()) << topology.status();
  auto members_of = [&](const mds::Topology& t) {
    std::vector<uint32_t> members;
    for (const auto& pool : t.logical_pools()) {
      if (pool.id() != chunk.address.logical_pool_id()) continue;
      for (const auto& c : pool.copysets()) {
        if (c.id() == chunk.address.copyset_id())
          members.assign(c.members().begin(), c.members().end());
      }
    }
    return members;
  };
  const std::vector<uint32_t> members = members_of(*topology);
  ASSERT_EQ(members.size(), 3u);
  const bool first_is_member =
      std::count(members.begin(), members.end(), cluster.chunkserver_id(0));
  const int victim = first_is_member ? 0 : 3;
  const int spare = first_is_member ? 3 : 0;

  const std::string a = PatternRange(kOffset, kLength, 1);
  const std::string b = PatternRange(kOffset, kLength, 2);
  ASSERT_GE(chunk.Write(a, 1), 0) << chunk.rpc.last;
  // More entries after the raise, so the members' latest snapshots hold the copy.
  for (int i = 0; i < 4; ++i) ASSERT_GE(chunk.Write(b, 2), 0) << chunk.rpc.last;
  ASSERT_TRUE(PoolsHold(cluster, options.chunks_per_disk, 2, {spare}));

  cluster.KillChunkServer(victim);
  ASSERT_TRUE(PollUntil(
      [&] {
        auto now = cluster.GetTopology();
        if (!now.ok()) return false;
        auto m = members_of(*now);
        return m.size() == 3 && std::count(m.begin(), m.end(), cluster.chunkserver_id(spare));
      },
      std::chrono::seconds(60)))
      << "the spare did not replace the dead member within 60 s";
  ASSERT_TRUE(PoolsHold(cluster, options.chunks_per_disk, 2, {victim}));
  EXPECT_NE(ReadText(cluster.chunkserver_data_dir(spare) + ".log").find("op=InstallSnapshot"),
            std::string::npos)
      << "the spare did not install a raft snapshot";

  // Offline, the spare's store answers snapshot 1 with pattern A and the chunk with B.
  cluster.KillChunkServer(spare);
  chunkserver::ChunkStoreOptions store_options;
  store_options.data_dir = cluster.chunkserver_data_dir(spare);
  auto store = chunkserver::ChunkStore::Open(store_options);
  ASSERT_TRUE(store.ok()) << store.status();
  const uint64_t id = chunk.address.chunk_id();
  auto info = (*store)->GetInfo(id);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->sequence, 2u);
  EXPECT_EQ(info->snapshot_sequence, 1u);
  std::string data(kLength, '?');
  auto exists = (*store)->ReadSnapshotInto(id, 1, kOffset, kLength, data.data());
  ASSERT_TRUE(exists.ok()) << exists.status();
  EXPECT_TRUE(*exists);
  EXPECT_TRUE(data == a) << "the spare's snapshot 1 does not read pattern A";
  auto current = (*store)->Read(id, kOffset, kLength);
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_TRUE(*current == b);
}

}  // namespace
}  // namespace curve::testing
