// Copy-on-write snapshots on a loopback cluster, through the chunk RPCs: a write at a raised
// sequence preserves the chunk on every replica; ReadChunkSnapshot answers the preserved data
// from the leader and, after the leader is killed, from the new one; DeleteChunkSnapshot drops
// the copies, also on the killed replica once it is back.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/testing/subprocess.h"
#include "proto/chunkserver/chunk.grpc.pb.h"
#include "proto/mds/namespace.grpc.pb.h"
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

TEST(ChunkSnapshotTest, PreservedDataSurvivesLeaderLossUntilTheSnapshotIsDeleted) {
  LocalClusterOptions options;
  auto started = LocalCluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  LocalCluster& cluster = **started;
  ASSERT_TRUE(cluster.CreateVolume("alice", "/cow", 8 * kMiB).ok());

  // A chunk of a real segment of the volume.
  mds::GetOrAllocateSegmentRequest segment_request;
  segment_request.set_user("alice");
  segment_request.set_path("/cow");
  segment_request.set_offset(0);
  segment_request.set_allocate(true);
  mds::GetOrAllocateSegmentResponse segment;
  auto mds = mds::MdsClient::Create({.addresses = cluster.mds_list()});
  ASSERT_TRUE(mds.ok());
  ASSERT_TRUE((*mds)
                  ->Call("GetOrAllocateSegment",
                         [&](const auto& channel, grpc::ClientContext& c) {
                           return mds::NamespaceService::NewStub(channel)->GetOrAllocateSegment(
                               &c, segment_request, &segment);
                         })
                  .ok());
  ASSERT_GT(segment.segment().chunks_size(), 2);
  const auto& chunk_info = segment.segment().chunks(2);
  chunkserver::ChunkAddress address;
  address.set_logical_pool_id(segment.segment().logical_pool_id());
  address.set_copyset_id(chunk_info.copyset_id());
  address.set_chunk_id(chunk_info.chunk_id());

  ChunkRpc rpc(cluster);
  const std::string a = PatternRange(kOffset, kLength, 1);
  const std::string b = PatternRange(kOffset, kLength, 2);
  auto write = [&](const std::string& data, uint64_t sequence) {
    chunkserver::WriteChunkRequest request;
    *request.mutable_chunk() = address;
    request.set_offset(kOffset);
    request.set_data(data);
    request.set_sequence(sequence);
    return rpc.OnLeader([&](ChunkService::Stub& stub, grpc::ClientContext& c) {
      chunkserver::WriteChunkResponse response;
      return stub.WriteChunk(&c, request, &response);
    });
  };
  auto read_snapshot = [&](uint64_t sequence, chunkserver::ReadChunkSnapshotResponse* response) {
    chunkserver::ReadChunkSnapshotRequest request;
    *request.mutable_chunk() = address;
    request.set_sequence(sequence);
    request.set_offset(kOffset);
    request.set_length(kLength);
    return rpc.OnLeader([&](ChunkService::Stub& stub, grpc::ClientContext& c) {
      return stub.ReadChunkSnapshot(&c, request, response);
    });
  };
  auto read = [&](chunkserver::ReadChunkResponse* response) {
    chunkserver::ReadChunkRequest request;
    *request.mutable_chunk() = address;
    request.set_offset(kOffset);
    request.set_length(kLength);
    return rpc.OnLeader([&](ChunkService::Stub& stub, grpc::ClientContext& c) {
      return stub.ReadChunk(&c, request, response);
    });
  };
  auto info = [&](chunkserver::GetChunkInfoResponse* response) {
    chunkserver::GetChunkInfoRequest request;
    *request.mutable_chunk() = address;
    return rpc.OnLeader([&](ChunkService::Stub& stub, grpc::ClientContext& c) {
      return stub.GetChunkInfo(&c, request, response);
    });
  };

  ASSERT_GE(write(a, 1), 0) << rpc.last;
  const int leader = write(b, 2);
  ASSERT_GE(leader, 0) << rpc.last;

  chunkserver::ReadChunkSnapshotResponse snap;
  ASSERT_EQ(read_snapshot(1, &snap), leader) << rpc.last;
  EXPECT_TRUE(snap.exists());
  EXPECT_TRUE(snap.data() == a) << "snapshot 1 does not read pattern A";
  chunkserver::ReadChunkResponse now;
  ASSERT_EQ(read(&now), leader) << rpc.last;
  EXPECT_TRUE(now.data() == b) << "the chunk does not read pattern B";
  chunkserver::GetChunkInfoResponse chunk;
  ASSERT_GE(info(&chunk), 0) << rpc.last;
  EXPECT_EQ(chunk.sequence(), 2u);
  EXPECT_EQ(chunk.snapshot_sequence(), 1u);

  // Every replica holds the chunk and its copy: two pool files each.
  auto pools_hold = [&](uint64_t files) {
    return PollUntil(
        [&] {
          for (int i = 0; i < cluster.chunkserver_count(); ++i) {
            if (cluster.PoolFileCount(i) != options.chunks_per_disk - files) return false;
          }
          return true;
        },
        std::chrono::seconds(30));
  };
  ASSERT_TRUE(pools_hold(2));

  cluster.KillChunkServer(leader);
  chunkserver::ReadChunkSnapshotResponse after;
  const int new_leader = read_snapshot(1, &after);
  ASSERT_GE(new_leader, 0) << rpc.last;
  EXPECT_NE(new_leader, leader);
  EXPECT_TRUE(after.exists());
  EXPECT_TRUE(after.data() == a) << "the new leader's snapshot 1 does not read pattern A";
  ASSERT_GE(read(&now), 0) << rpc.last;
  EXPECT_TRUE(now.data() == b);
  // Snapshot 2 is the chunk itself (unchanged since).
  chunkserver::ReadChunkSnapshotResponse second;
  ASSERT_GE(read_snapshot(2, &second), 0) << rpc.last;
  EXPECT_TRUE(second.data() == b);

  chunkserver::DeleteChunkSnapshotRequest drop;
  *drop.mutable_chunk() = address;
  drop.set_sequence(1);
  ASSERT_GE(rpc.OnLeader([&](ChunkService::Stub& stub, grpc::ClientContext& c) {
    chunkserver::DeleteChunkSnapshotResponse response;
    return stub.DeleteChunkSnapshot(&c, drop, &response);
  }),
            0)
      << rpc.last;
  ASSERT_GE(info(&chunk), 0) << rpc.last;
  EXPECT_EQ(chunk.snapshot_sequence(), 0u);
  EXPECT_EQ(chunk.sequence(), 2u);
  ASSERT_GE(read_snapshot(1, &after), 0) << rpc.last;
  EXPECT_FALSE(after.exists());

  // The killed replica catches up on the drop: its copy's file is back in its pool.
  ASSERT_TRUE(cluster.RestartChunkServer(leader).ok());
  EXPECT_TRUE(pools_hold(1));
}

}  // namespace
}  // namespace curve::testing
