// Stale data deletion: when a volume is purged (at once, or out of the recycle bin), the MDS
// deletes its chunks through the copyset leaders and their files return to every chunkserver's
// chunk file pool; a volume in the recycle bin keeps its chunks.
#include <gtest/gtest.h>

#include "tests/cluster/filled_volume.h"
#include "tests/cluster/local_cluster.h"

namespace curve::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kVolumeSize = 8 * kMiB;  // one segment, 8 chunks of 1 MiB

TEST(ChunkGarbageTest, PurgedVolumesReturnTheirChunksToThePools) {
  LocalClusterOptions options;
  auto started = LocalCluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<LocalCluster> cluster = std::move(started).value();
  auto write_volume = [&](const std::string& path) {
    auto volume = CreateFilledVolume(*cluster, path, kVolumeSize);
    ASSERT_TRUE(volume.ok()) << volume.status();
  };
  // Every chunkserver is in every copyset: each holds every chunk.
  auto pools_hold = [&](uint64_t chunks) {
    return PollUntil(
        [&] {
          for (int i = 0; i < cluster->chunkserver_count(); ++i) {
            if (cluster->PoolFileCount(i) != options.chunks_per_disk - chunks) return false;
          }
          return true;
        },
        std::chrono::seconds(30));
  };
  auto counts = [&] {
    std::string out;
    for (int i = 0; i < cluster->chunkserver_count(); ++i) {
      out += std::to_string(cluster->PoolFileCount(i)) + " ";
    }
    return out + "of " + std::to_string(options.chunks_per_disk);
  };
  // The MDS's usage is the chunk space (chunk files in use of every pool file), not the file
  // system's: a freshly formatted pool fills the file system but holds no chunk.
  const int disks = cluster->chunkserver_count();
  uint64_t reported_used = 0, reported_capacity = 0;
  auto mds_reports_used = [&](uint64_t chunks) {
    return PollUntil(
        [&] {
          auto health = cluster->GetHealth();
          if (!health.ok()) return false;
          for (const auto& poolset : health->poolsets()) {
            if (poolset.poolset() != options.poolsets[0]) continue;
            reported_used = poolset.used_bytes();
            reported_capacity = poolset.capacity_bytes();
            return reported_used == disks * chunks * options.chunk_size;
          }
          return false;
        },
        std::chrono::seconds(30));
  };
  ASSERT_TRUE(mds_reports_used(0)) << "used " << reported_used;
  EXPECT_EQ(reported_capacity, disks * options.chunks_per_disk * options.chunk_size);

  const uint64_t chunks = kVolumeSize / options.chunk_size;
  write_volume("/purged");
  write_volume("/recycled");
  ASSERT_TRUE(pools_hold(2 * chunks)) << counts();
  EXPECT_TRUE(mds_reports_used(2 * chunks)) << "used " << reported_used;
  EXPECT_EQ(reported_capacity, disks * options.chunks_per_disk * options.chunk_size);

  ASSERT_TRUE(cluster->DeleteVolume("alice", "/purged", true).ok());
  ASSERT_TRUE(cluster->DeleteVolume("alice", "/recycled", false).ok());
  EXPECT_TRUE(pools_hold(chunks)) << "purged chunks not returned: " << counts();
  // The garbage collector has run since /recycled went to the recycle bin (it collected a
  // volume purged later): the recycled volume kept its chunks.
  write_volume("/later");
  ASSERT_TRUE(cluster->DeleteVolume("alice", "/later", true).ok());
  EXPECT_TRUE(pools_hold(chunks)) << counts();

  ASSERT_TRUE(cluster->PurgeRecycled("alice", "/recycled").ok());
  EXPECT_TRUE(pools_hold(0)) << "recycled chunks not returned after the purge: " << counts();
  EXPECT_TRUE(mds_reports_used(0)) << "used " << reported_used;
}

}  // namespace
}  // namespace curve::testing
