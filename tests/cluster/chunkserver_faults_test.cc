// Multi-process fault tests of the chunkserver through libcurve: a chunk pool that runs out and a
// chunk file damaged on disk, each answered with a clear error while every daemon keeps running.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/testing/subprocess.h"
#include "services/client/volume.h"
#include "tests/cluster/local_cluster.h"

namespace curve::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;

std::vector<std::string> ChunkFiles(const std::string& data_dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir + "/chunks")) {
    std::string name = entry.path().filename().string();
    if (name.rfind("chunk_", 0) == 0 && name.find('.') == std::string::npos) {
      files.push_back(entry.path().string());
    }
  }
  return files;
}

std::unique_ptr<client::Volume> OpenVolume(const LocalCluster& cluster, const std::string& path) {
  client::VolumeOptions options;
  options.mds_addresses = cluster.mds_list();
  options.io_timeout = std::chrono::seconds(20);
  auto volume = client::Volume::Open(options, "alice", path);
  EXPECT_TRUE(volume.ok()) << volume.status();
  return volume.ok() ? std::move(volume).value() : nullptr;
}

bool AllRunning(const LocalCluster& cluster) {
  for (int i = 0; i < cluster.chunkserver_count(); ++i) {
    pid_t pid = cluster.chunkserver_pid(i);
    if (pid <= 0 || !std::filesystem::exists("/proc/" + std::to_string(pid))) return false;
  }
  return true;
}

// A pool of 4 chunk files per disk: the 5th chunk of a volume cannot be created anywhere.
TEST(ChunkServerFaultsTest, FullChunkPoolIsResourceExhaustedAndNothingCrashes) {
  LocalClusterOptions options;
  options.chunks_per_disk = 4;
  auto cluster = LocalCluster::Start(options);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  ASSERT_TRUE((*cluster)->CreateVolume("alice", "/full", 16 * kMiB).ok());
  auto volume = OpenVolume(**cluster, "/full");
  ASSERT_NE(volume, nullptr);
  std::string block(4096, 'f');
  for (uint64_t chunk = 0; chunk < 4; ++chunk) {
    ASSERT_TRUE(volume->Write(chunk * kMiB, block.size(), block.data()).ok()) << chunk;
  }
  // Acknowledged means applied by a majority: wait until every disk holds its 4 chunks. (A
  // lagging replica's pool still has a file, and chunk 4's copyset may be led by it; a replica
  // whose pool then runs out while applying a committed entry marks that chunk damaged.)
  ASSERT_TRUE(PollUntil(
      [&] {
        for (int i = 0; i < (*cluster)->chunkserver_count(); ++i) {
          if (ChunkFiles((*cluster)->dir() + "/cs" + std::to_string(i)).size() != 4) return false;
        }
        return true;
      },
      std::chrono::seconds(20)));
  Status s = volume->Write(4 * kMiB, block.size(), block.data());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("/full"), std::string::npos) << s;
  EXPECT_TRUE(AllRunning(**cluster));
  // The chunks that exist are still writable and readable.
  std::string other(4096, 'g');
  ASSERT_TRUE(volume->Write(2 * kMiB + 8192, other.size(), other.data()).ok());
  std::string got(4096, 'x');
  ASSERT_TRUE(volume->Read(2 * kMiB + 8192, got.size(), got.data()).ok());
  EXPECT_EQ(got, other);
  ASSERT_TRUE(volume->Read(0, got.size(), got.data()).ok());
  EXPECT_EQ(got, block);
  EXPECT_TRUE((*cluster)->WaitHealthy(std::chrono::seconds(10)).ok());
}

// A chunk whose header is damaged on every replica: reads answer DATA_LOSS naming the file,
// never zeros, and the chunkservers keep serving the other chunks.
TEST(ChunkServerFaultsTest, CorruptChunkIsDataLossNamingTheFile) {
  auto cluster = LocalCluster::Start({});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  LocalCluster& c = **cluster;
  ASSERT_TRUE(c.CreateVolume("alice", "/corrupt", 16 * kMiB).ok());
  std::string block(4096, 'c');
  {
    auto volume = OpenVolume(c, "/corrupt");
    ASSERT_NE(volume, nullptr);
    ASSERT_TRUE(volume->Write(0, block.size(), block.data()).ok());
    ASSERT_TRUE(volume->Close().ok());
  }
  // The write is acknowledged once a majority applied it: wait for the third replica too.
  ASSERT_TRUE(PollUntil(
      [&] {
        for (int i = 0; i < c.chunkserver_count(); ++i) {
          if (ChunkFiles(c.dir() + "/cs" + std::to_string(i)).size() != 1) return false;
        }
        return true;
      },
      std::chrono::seconds(20)));
  std::vector<std::string> damaged;
  for (int i = 0; i < c.chunkserver_count(); ++i) c.KillChunkServer(i);
  for (int i = 0; i < c.chunkserver_count(); ++i) {
    auto files = ChunkFiles(c.dir() + "/cs" + std::to_string(i));
    ASSERT_EQ(files.size(), 1u) << "cs" << i;
    std::fstream file(files[0], std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(0);
    file.write("garbage!", 8);
    damaged.push_back(files[0]);
  }
  for (int i = 0; i < c.chunkserver_count(); ++i) ASSERT_TRUE(c.RestartChunkServer(i).ok());
  ASSERT_TRUE(c.WaitHealthy(std::chrono::seconds(30)).ok());
  auto volume = OpenVolume(c, "/corrupt");
  ASSERT_NE(volume, nullptr);
  std::string got(4096, 'x');
  Status s = volume->Read(0, got.size(), got.data());
  ASSERT_EQ(s.code(), StatusCode::kDataLoss) << s;
  bool named = false;
  for (const auto& path : damaged) {
    std::string name = std::filesystem::path(path).filename().string();
    named = named || s.message().find(name) != std::string::npos;
  }
  EXPECT_TRUE(named) << s;
  EXPECT_TRUE(AllRunning(c));
  // Another chunk of the volume is unaffected.
  ASSERT_TRUE(volume->Write(3 * kMiB, block.size(), block.data()).ok());
  ASSERT_TRUE(volume->Read(3 * kMiB, got.size(), got.data()).ok());
  EXPECT_EQ(got, block);
}

}  // namespace
}  // namespace curve::testing
