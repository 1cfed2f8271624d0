// The volume sequence end to end: libcurve writes carry the MDS's volume sequence; after an MDS
// snapshot the client switches to the raised one and reports it, which makes the snapshot READY,
// and its next writes reach the chunks with it. Only the chunk's recorded sequence is checked
// (GetChunkInfo), not the preserved copies.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "common/rpc/grpc_status.h"
#include "common/rpc/retry.h"
#include "proto/chunkserver/chunk.grpc.pb.h"
#include "proto/mds/namespace.grpc.pb.h"
#include "services/client/volume.h"
#include "services/mds/client/mds_client.h"
#include "tests/cluster/local_cluster.h"

namespace curve::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;
using Clock = std::chrono::steady_clock;

class VolumeSequenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = LocalCluster::Start(LocalClusterOptions{});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(cluster).value();
    mds::MdsClientOptions options;
    options.addresses = cluster_->mds_list();
    mds_ = std::move(mds::MdsClient::Create(options)).value();
  }

  std::unique_ptr<client::Volume> Open(const std::string& path,
                                       std::chrono::milliseconds session_refresh) {
    client::VolumeOptions options;
    options.mds_addresses = cluster_->mds_list();
    options.session_refresh = session_refresh;
    auto volume = client::Volume::Open(options, "alice", path);
    EXPECT_TRUE(volume.ok()) << volume.status();
    return volume.ok() ? std::move(volume).value() : nullptr;
  }

  Result<mds::SnapshotInfo> CreateSnapshot(const std::string& path) {
    mds::CreateSnapshotRequest request;
    request.set_user("alice");
    request.set_path(path);
    mds::CreateSnapshotResponse response;
    CURVE_RETURN_IF_ERROR(mds_->Call(
        "CreateSnapshot",
        [&](const auto& channel, grpc::ClientContext& c) {
          return mds::NamespaceService::NewStub(channel)->CreateSnapshot(&c, request, &response);
        },
        false));
    return response.snapshot();
  }

  Status DeleteSnapshot(const std::string& path, uint64_t sequence) {
    mds::DeleteSnapshotRequest request;
    request.set_user("alice");
    request.set_path(path);
    request.set_sequence(sequence);
    mds::DeleteSnapshotResponse response;
    return mds_->Call("DeleteSnapshot", [&](const auto& channel, grpc::ClientContext& c) {
      return mds::NamespaceService::NewStub(channel)->DeleteSnapshot(&c, request, &response);
    });
  }

  // The state of the volume's one snapshot (STATE_UNSPECIFIED when it has none or on error).
  mds::SnapshotInfo::State SnapshotState(const std::string& path) {
    mds::ListSnapshotsRequest request;
    request.set_user("alice");
    request.set_path(path);
    mds::ListSnapshotsResponse response;
    Status s = mds_->Call("ListSnapshots", [&](const auto& channel, grpc::ClientContext& c) {
      return mds::NamespaceService::NewStub(channel)->ListSnapshots(&c, request, &response);
    });
    if (!s.ok() || response.snapshots_size() != 1) return mds::SnapshotInfo::STATE_UNSPECIFIED;
    return response.snapshots(0).state();
  }

  // The address of the chunk holding `offset` (its segment must be allocated).
  Result<chunkserver::ChunkAddress> ChunkAt(const std::string& path, uint64_t offset,
                                            uint64_t segment_size, uint64_t chunk_size) {
    mds::GetOrAllocateSegmentRequest request;
    request.set_user("alice");
    request.set_path(path);
    request.set_offset(offset / segment_size * segment_size);
    mds::GetOrAllocateSegmentResponse response;
    CURVE_RETURN_IF_ERROR(mds_->Call("GetOrAllocateSegment", [&](const auto& channel,
                                                                 grpc::ClientContext& c) {
      return mds::NamespaceService::NewStub(channel)->GetOrAllocateSegment(&c, request, &response);
    }));
    const auto& chunk =
        response.segment().chunks(static_cast<int>(offset % segment_size / chunk_size));
    chunkserver::ChunkAddress address;
    address.set_logical_pool_id(response.segment().logical_pool_id());
    address.set_copyset_id(chunk.copyset_id());
    address.set_chunk_id(chunk.chunk_id());
    return address;
  }

  // Runs `call` on each member of the chunk's copyset until one (the leader) answers OK.
  template <typename Call>
  Status AtLeader(const chunkserver::ChunkAddress& address, Call call) {
    CURVE_ASSIGN_OR_RETURN(auto topology, cluster_->GetTopology());
    std::map<uint32_t, std::string> addresses;
    for (const auto& cs : topology.chunkservers()) {
      addresses[cs.id()] = cs.host() + ":" + std::to_string(cs.port());
    }
    Status last = NotFoundError("copyset unknown");
    for (const auto& pool : topology.logical_pools()) {
      if (pool.id() != address.logical_pool_id()) continue;
      for (const auto& copyset : pool.copysets()) {
        if (copyset.id() != address.copyset_id()) continue;
        for (uint32_t member : copyset.members()) {
          auto stub = chunkserver::ChunkService::NewStub(rpc::MakeChannel(addresses[member]));
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
          last = rpc::FromGrpcStatus(call(*stub, context));
          if (last.ok()) return last;
        }
      }
    }
    return last;
  }

  // The chunk's sequence from its copyset's leader; 0 with the error printed when no member
  // answered within 10 s (a leader election in between is retried).
  uint64_t ChunkSequence(const chunkserver::ChunkAddress& address) {
    chunkserver::GetChunkInfoRequest request;
    *request.mutable_chunk() = address;
    chunkserver::GetChunkInfoResponse response;
    Status status;
    PollUntil(
        [&] {
          status = AtLeader(address, [&](auto& stub, grpc::ClientContext& c) {
            return stub.GetChunkInfo(&c, request, &response);
          });
          return status.ok();
        },
        std::chrono::seconds(10));
    EXPECT_TRUE(status.ok()) << "GetChunkInfo of chunk " << address.chunk_id() << ": " << status;
    EXPECT_TRUE(response.exists()) << "chunk " << address.chunk_id();
    return response.sequence();
  }

  std::unique_ptr<LocalCluster> cluster_;
  std::unique_ptr<mds::MdsClient> mds_;
};

// The default refresh: the client learns the raised sequence from its periodic refresh, reports
// it, and the snapshot is READY within about one refresh interval (a third of the 10 s lease).
TEST_F(VolumeSequenceTest, SnapshotBecomesReadyAndLaterWritesCarryTheNewSequence) {
  ASSERT_TRUE(cluster_->CreateVolume("alice", "/vol", 64 * kMiB).ok());
  auto volume = Open("/vol", std::chrono::milliseconds(0));
  ASSERT_NE(volume, nullptr);
  EXPECT_EQ(volume->sequence(), 1u);
  const std::string block(4096, 'a');
  ASSERT_TRUE(volume->Write(0, block.size(), block.data()).ok());
  const uint64_t chunk_size = volume->info().chunk_size, segment_size = volume->info().segment_size;
  auto first = ChunkAt("/vol", 0, segment_size, chunk_size);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(ChunkSequence(*first), 1u);

  auto snapshot = CreateSnapshot("/vol");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(snapshot->sequence(), 1u);
  const auto taken = Clock::now();
  // Writes keep going while the snapshot is pending.
  bool ready = false;
  for (int i = 0; !ready && Clock::now() - taken < std::chrono::seconds(15); ++i) {
    ASSERT_TRUE(volume->Write(4096 * (i % 64), block.size(), block.data()).ok());
    ready = SnapshotState("/vol") == mds::SnapshotInfo::READY;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - taken).count();
  ASSERT_TRUE(ready) << "the snapshot was still pending after " << waited << " ms";
  std::printf("snapshot READY %lld ms after CreateSnapshot (refresh interval 3333 ms)\n",
              static_cast<long long>(waited));
  EXPECT_EQ(volume->sequence(), 2u);

  ASSERT_TRUE(volume->Write(8192, block.size(), block.data()).ok());
  EXPECT_EQ(ChunkSequence(*first), 2u);
  // A chunk first written now starts at the new sequence.
  ASSERT_TRUE(volume->Write(3 * chunk_size, block.size(), block.data()).ok());
  auto fresh = ChunkAt("/vol", 3 * chunk_size, segment_size, chunk_size);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(ChunkSequence(*fresh), 2u);
  std::string back(4096, 'x');
  ASSERT_TRUE(volume->Read(8192, back.size(), back.data()).ok());
  EXPECT_EQ(back, block);
}

// A client that has not refreshed since the snapshot (a refresh period far beyond the test)
// writes to a chunk another writer already raised: the chunk refuses the older sequence, the
// client refreshes at once, switches, retries, and reports the new sequence (READY).
TEST_F(VolumeSequenceTest, ChunkRefusingAnOlderSequenceMakesTheClientSwitchAtOnce) {
  ASSERT_TRUE(cluster_->CreateVolume("alice", "/vol", 64 * kMiB).ok());
  auto volume = Open("/vol", std::chrono::hours(1));
  ASSERT_NE(volume, nullptr);
  const std::string block(4096, 'b');
  const uint64_t chunk_size = volume->info().chunk_size, segment_size = volume->info().segment_size;
  ASSERT_TRUE(volume->Write(0, block.size(), block.data()).ok());
  ASSERT_TRUE(volume->Write(chunk_size, block.size(), block.data()).ok());
  auto raised = ChunkAt("/vol", 0, segment_size, chunk_size);
  auto other = ChunkAt("/vol", chunk_size, segment_size, chunk_size);
  ASSERT_TRUE(raised.ok() && other.ok());

  ASSERT_TRUE(CreateSnapshot("/vol").ok());
  EXPECT_EQ(SnapshotState("/vol"), mds::SnapshotInfo::PENDING);
  chunkserver::WriteChunkRequest write;
  *write.mutable_chunk() = *raised;
  write.set_offset(4096);
  write.set_data(std::string(4096, 'c'));
  write.set_sequence(2);
  chunkserver::WriteChunkResponse written;
  Status direct;
  ASSERT_TRUE(PollUntil(
      [&] {
        direct = AtLeader(*raised, [&](auto& stub, grpc::ClientContext& c) {
          return stub.WriteChunk(&c, write, &written);
        });
        return direct.ok();
      },
      std::chrono::seconds(10)))
      << direct;
  ASSERT_EQ(ChunkSequence(*raised), 2u);
  // The session (10 s lease) is still held and the client has not reported: still pending.
  ASSERT_EQ(SnapshotState("/vol"), mds::SnapshotInfo::PENDING);
  EXPECT_EQ(volume->sequence(), 1u);

  const auto start = Clock::now();
  ASSERT_TRUE(volume->Write(0, block.size(), block.data()).ok());
  EXPECT_EQ(volume->sequence(), 2u);
  EXPECT_TRUE(PollUntil([&] { return SnapshotState("/vol") == mds::SnapshotInfo::READY; },
                        std::chrono::seconds(5)));
  std::printf(
      "refused write switched and snapshot READY in %lld ms\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()));
  ASSERT_TRUE(volume->Write(chunk_size, block.size(), block.data()).ok());
  EXPECT_EQ(ChunkSequence(*other), 2u);
  std::string back(8192, 'x');
  ASSERT_TRUE(volume->Read(0, back.size(), back.data()).ok());
  EXPECT_EQ(back, block + std::string(4096, 'c'));

  // The next snapshot works the same way (one at a time: the first is deleted first).
  ASSERT_TRUE(DeleteSnapshot("/vol", 1).ok());
  auto second = CreateSnapshot("/vol");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->sequence(), 2u);
}

}  // namespace
}  // namespace curve::testing
