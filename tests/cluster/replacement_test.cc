// The MDS scheduler end to end on a LocalCluster with 4 chunkservers (zone 0 holds two, so a dead
// zone-0 member has a replacement): a chunkserver that stays dead is replaced in every copyset,
// at most `max_concurrent_changes` at a time; the data is intact on the new member; and the dead
// chunkserver, when it comes back, drops the replicas it is no longer a member of.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>

#include "services/client/volume.h"
#include "tests/cluster/filled_volume.h"
#include "tests/cluster/local_cluster.h"

namespace curve::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kVolumeSize = 16 * kMiB;
constexpr int kMaxConcurrentChanges = 2;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<uint32_t> CopysetsWith(const mds::Topology& topology, uint32_t chunkserver) {
  std::vector<uint32_t> out;
  for (const auto& pool : topology.logical_pools()) {
    for (const auto& c : pool.copysets()) {
      if (std::count(c.members().begin(), c.members().end(), chunkserver)) out.push_back(c.id());
    }
  }
  return out;
}

// The most membership changes the MDS had in flight at once, from its log: an order is in
// flight from op=ScheduleReplace until the copyset's configuration changes or the order times
// out.
size_t MaxInFlight(const std::string& log, size_t* scheduled) {
  static const std::regex kEvent(
      R"(op=(ScheduleReplace|CopysetChanged|ScheduleTimeout) logical_pool=(\d+) copyset=(\d+))");
  std::set<std::string> in_flight;
  size_t max = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), kEvent), end; it != end; ++it) {
    std::string key = (*it)[2].str() + "." + (*it)[3].str();
    if ((*it)[1] == "ScheduleReplace") {
      ++*scheduled;
      in_flight.insert(key);
    } else {
      in_flight.erase(key);
    }
    max = std::max(max, in_flight.size());
  }
  return max;
}

const mds::PoolsetHealth* Poolset(const mds::GetClusterHealthResponse& health,
                                  const std::string& name) {
  for (const auto& p : health.poolsets()) {
    if (p.poolset() == name) return &p;
  }
  return nullptr;
}

TEST(ChunkServerReplacementTest, DeadChunkServerIsReplacedAndItsDataIsOnTheNewMember) {
  LocalClusterOptions options;
  options.chunkservers = 4;  // zone 0: chunkservers 0 and 3
  options.replace_after = std::chrono::milliseconds(2000);
  options.max_concurrent_changes = kMaxConcurrentChanges;
  auto started = LocalCluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<LocalCluster> cluster = std::move(started).value();
  const int victim = 0, spare = 3, second = 1;
  const uint32_t victim_id = cluster->chunkserver_id(victim);
  const uint32_t spare_id = cluster->chunkserver_id(spare);

  auto opened = CreateFilledVolume(*cluster, "/vol", kVolumeSize);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<client::Volume> volume = std::move(opened).value();
  auto topology = cluster->GetTopology();
  ASSERT_TRUE(topology.ok()) << topology.status();
  const std::vector<uint32_t> lost = CopysetsWith(*topology, victim_id);
  ASSERT_FALSE(lost.empty()) << "the victim hosts no copyset";
  ASSERT_LT(cluster->PoolFileCount(victim), options.chunks_per_disk) << "the victim holds no data";

  // The victim stays dead: every copyset it was in gets the spare instead.
  auto killed_at = std::chrono::steady_clock::now();
  cluster->KillChunkServer(victim);
  mds::GetClusterHealthResponse health;
  bool replaced = PollUntil(
      [&] {
        auto now = cluster->GetTopology();
        auto summary = cluster->GetHealth();
        if (!now.ok() || !summary.ok()) return false;
        health = *summary;
        if (!CopysetsWith(*now, victim_id).empty()) return false;
        for (const auto& pool : now->logical_pools()) {
          for (const auto& c : pool.copysets()) {
            if (c.members_size() != 3) return false;
          }
        }
        const mds::PoolsetHealth* ssd = Poolset(health, "ssd");
        return ssd != nullptr && ssd->copysets_total() > 0 &&
               ssd->copysets_healthy() == ssd->copysets_total();
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(replaced) << "copysets not replaced within 60 s: " << health.ShortDebugString();
  std::printf("replaced %zu copysets in %lld ms\n", lost.size(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - killed_at)
                                         .count()));
  topology = cluster->GetTopology();
  ASSERT_TRUE(topology.ok());
  const std::vector<uint32_t> with_spare = CopysetsWith(*topology, spare_id);
  for (uint32_t id : lost) {
    EXPECT_TRUE(std::count(with_spare.begin(), with_spare.end(), id))
        << "copyset " << id << " did not get the spare";
  }
  // The health summary counts every copyset healthy; only the dead chunkserver is offline.
  const mds::PoolsetHealth* ssd = Poolset(health, "ssd");
  ASSERT_NE(ssd, nullptr);
  EXPECT_EQ(ssd->copysets_healthy(), ssd->copysets_total());
  EXPECT_EQ(ssd->chunkservers_online(), 3u);
  EXPECT_EQ(ssd->chunkservers_total(), 4u);
  // Rate limit: never more than max_concurrent_changes orders in flight.
  size_t scheduled = 0, max_in_flight = 0;
  for (int i = 0; i < 3; ++i) {
    std::string log = ReadFile(cluster->dir() + "/mds" + std::to_string(i) + ".log");
    max_in_flight = std::max(max_in_flight, MaxInFlight(log, &scheduled));
  }
  EXPECT_GE(scheduled, lost.size());
  EXPECT_GE(max_in_flight, 1u);
  EXPECT_LE(max_in_flight, static_cast<size_t>(kMaxConcurrentChanges));

  // A second original member dies: every copyset needs the new member for its quorum. All the
  // data reads back with its checksums.
  cluster->KillChunkServer(second);
  Status verified = VerifyFilledVolume(*volume, kVolumeSize);
  ASSERT_TRUE(verified.ok()) << verified;

  // The dead chunkserver comes back (once the MDS sees the second one offline, so the pool is
  // not rebalanced onto it meanwhile): the MDS tells it that it is no member of its copysets
  // any more; it removes them and every chunk file returns to its pool (also those written by
  // entries it applied beyond the commit index it had persisted, which a restart does not
  // replay).
  ASSERT_TRUE(PollUntil(
      [&] {
        auto summary = cluster->GetHealth();
        const mds::PoolsetHealth* ssd = summary.ok() ? Poolset(*summary, "ssd") : nullptr;
        return ssd != nullptr && ssd->chunkservers_online() == 2;
      },
      std::chrono::seconds(30)));
  const std::string log_path = cluster->chunkserver_data_dir(victim) + ".log";
  const size_t log_before = ReadFile(log_path).size();
  const size_t pool_before = cluster->PoolFileCount(victim);
  ASSERT_TRUE(cluster->RestartChunkServer(victim).ok());
  static const std::regex kRemoved(R"(op=RemoveCopyset copyset=\d+\.(\d+) chunks_deleted=(\d+))");
  // Every lost copyset must go. The scheduler may also have handed the returned member a copyset
  // of the second dead one meanwhile and taken it back: that removal counts its chunks too.
  // A chunk the kill -9 caught half-created goes back to the pool when the store opens.
  static const std::regex kHalfCreated("returning half-created chunk to the pool");
  std::set<uint32_t> removed;
  size_t chunks_deleted = 0, half_created = 0;
  EXPECT_TRUE(PollUntil(
      [&] {
        std::string log = ReadFile(log_path).substr(log_before);
        removed.clear();
        chunks_deleted = 0;
        for (std::sregex_iterator it(log.begin(), log.end(), kRemoved), end; it != end; ++it) {
          removed.insert(static_cast<uint32_t>(std::stoul((*it)[1].str())));
          chunks_deleted += std::stoul((*it)[2].str());
        }
        half_created = static_cast<size_t>(std::distance(
            std::sregex_iterator(log.begin(), log.end(), kHalfCreated), std::sregex_iterator()));
        // Done when every lost copyset is gone, the member hosts none, and every removal has
        // logged the chunks it returned to the pool.
        return std::all_of(lost.begin(), lost.end(),
                           [&](uint32_t id) { return removed.count(id) > 0; }) &&
               ReadFile(cluster->chunkserver_data_dir(victim) + "/copysets.list").empty() &&
               cluster->PoolFileCount(victim) == pool_before + chunks_deleted + half_created;
      },
      std::chrono::seconds(20)))
      << "removed " << removed.size() << " copysets, " << lost.size() << " lost; " << chunks_deleted
      << " chunks deleted, " << cluster->PoolFileCount(victim) << " of " << options.chunks_per_disk
      << " pool files free";
  EXPECT_EQ(ReadFile(cluster->chunkserver_data_dir(victim) + "/copysets.list"), "");
  EXPECT_GT(chunks_deleted, 0u);
  EXPECT_EQ(cluster->PoolFileCount(victim), pool_before + chunks_deleted + half_created)
      << half_created << " half-created chunks returned at open";
  EXPECT_EQ(cluster->PoolFileCount(victim), options.chunks_per_disk);
  std::printf("the returned member deleted %zu chunks; %zu of %llu pool files free\n",
              chunks_deleted, cluster->PoolFileCount(victim),
              static_cast<unsigned long long>(options.chunks_per_disk));

  // Offline, the new member's chunk files equal the surviving original member's: every chunk
  // of the volume, byte for byte.
  const int survivor = 2;
  cluster->KillChunkServer(survivor);
  cluster->KillChunkServer(spare);
  auto expected = cluster->ReadChunkFiles(survivor);
  ASSERT_TRUE(expected.ok()) << expected.status();
  auto got = cluster->ReadChunkFiles(spare);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(expected->size(), kVolumeSize / kMiB);
  ASSERT_EQ(got->size(), expected->size());
  for (const auto& [id, data] : *expected) {
    auto it = got->find(id);
    ASSERT_NE(it, got->end()) << "chunk " << id << " missing on the new member";
    EXPECT_TRUE(it->second == data) << "chunk " << id << " differs on the new member";
  }
}

}  // namespace
}  // namespace curve::testing
