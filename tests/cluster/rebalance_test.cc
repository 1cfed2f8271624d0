// Rebalancing end to end: a chunkserver added to zone 0 of a running 3-chunkserver cluster gets
// copysets moved onto it by the MDS scheduler (REPLACE_PEER from the old zone-0 disk); every
// block reads back; the old disk drops the moved replicas; and, offline, zone 0's two disks
// together hold each chunk of the volume exactly once, byte-identical to zone 1's copy.
#include <gtest/gtest.h>

#include <set>

#include "services/client/volume.h"
#include "tests/cluster/filled_volume.h"
#include "tests/cluster/local_cluster.h"

namespace curve::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kVolumeSize = 16 * kMiB;

size_t CopysetsOf(const mds::Topology& topology, uint32_t chunkserver) {
  size_t n = 0;
  for (const auto& pool : topology.logical_pools()) {
    for (const auto& c : pool.copysets()) {
      n += std::count(c.members().begin(), c.members().end(), chunkserver) ? 1 : 0;
    }
  }
  return n;
}

TEST(RebalanceTest, CopysetsMoveOntoAnAddedChunkServerWithTheirData) {
  LocalClusterOptions options;
  auto started = LocalCluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<LocalCluster> cluster = std::move(started).value();
  auto opened = CreateFilledVolume(*cluster, "/vol", kVolumeSize);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<client::Volume> volume = std::move(opened).value();
  auto before = cluster->GetTopology();
  ASSERT_TRUE(before.ok()) << before.status();
  const uint32_t old_id = cluster->chunkserver_id(0);
  const size_t old_copysets = CopysetsOf(*before, old_id);

  auto added = cluster->AddChunkServer(0);
  ASSERT_TRUE(added.ok()) << added.status();
  const uint32_t new_id = cluster->chunkserver_id(*added);
  // The pool extension gives the new disk a copyset of its own; rebalancing then moves existing
  // ones from the old zone-0 disk until neither can improve.
  size_t moved = 0;
  bool balanced = PollUntil(
      [&] {
        auto now = cluster->GetTopology();
        auto health = cluster->GetHealth();
        if (!now.ok() || !health.ok() || !health->healthy()) return false;
        moved = old_copysets - std::min(old_copysets, CopysetsOf(*now, old_id));
        size_t total = 0;
        for (const auto& pool : now->logical_pools()) total += pool.copysets_size();
        size_t mine = CopysetsOf(*now, new_id), theirs = CopysetsOf(*now, old_id);
        return mine + theirs == total && (mine > theirs ? mine - theirs : theirs - mine) <= 1;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(balanced) << "zone 0 not balanced within 60 s; moved " << moved;
  EXPECT_GE(moved, 1u);
  std::printf("moved %zu of %zu copysets off the old disk\n", moved, old_copysets);

  Status verified = VerifyFilledVolume(*volume, kVolumeSize);
  ASSERT_TRUE(verified.ok()) << verified;
  // The old disk dropped the moved replicas: zone 0's disks split the chunks between them.
  ASSERT_TRUE(PollUntil(
      [&] {
        return cluster->PoolFileCount(0) + cluster->PoolFileCount(*added) ==
               2 * options.chunks_per_disk - kVolumeSize / options.chunk_size;
      },
      std::chrono::seconds(20)))
      << cluster->PoolFileCount(0) << " + " << cluster->PoolFileCount(*added);
  volume.reset();
  for (int i = 0; i < cluster->chunkserver_count(); ++i) cluster->KillChunkServer(i);
  auto zone1 = cluster->ReadChunkFiles(1);
  auto old_disk = cluster->ReadChunkFiles(0);
  auto new_disk = cluster->ReadChunkFiles(*added);
  ASSERT_TRUE(zone1.ok() && old_disk.ok() && new_disk.ok());
  EXPECT_EQ(zone1->size(), kVolumeSize / options.chunk_size);
  EXPECT_FALSE(new_disk->empty());
  EXPECT_EQ(old_disk->size() + new_disk->size(), zone1->size());
  for (const auto& [id, data] : *zone1) {
    auto old_it = old_disk->find(id);
    auto new_it = new_disk->find(id);
    ASSERT_TRUE((old_it == old_disk->end()) != (new_it == new_disk->end()))
        << "chunk " << id << " is on " << (old_it == old_disk->end() ? "neither" : "both")
        << " zone-0 disks";
    const std::string& copy = old_it != old_disk->end() ? old_it->second : new_it->second;
    EXPECT_TRUE(copy == data) << "chunk " << id << " differs in zone 0";
  }
}

}  // namespace
}  // namespace curve::testing
