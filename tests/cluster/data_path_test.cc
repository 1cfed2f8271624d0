// Multi-process data path tests: a LocalCluster (etcd, 3 MDS, 3 chunkservers in 3 zones) driven
// through libcurve.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "services/client/volume.h"
#include "tests/cluster/local_cluster.h"
#include "tests/cluster/pattern.h"

namespace curve::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;

class DataPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalClusterOptions options;
    auto cluster = LocalCluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(cluster).value();
    ASSERT_TRUE(cluster_->CreateVolume("alice", "/vol", 64 * kMiB).ok());
    client::VolumeOptions volume_options;
    volume_options.mds_addresses = cluster_->mds_list();
    volume_options.max_rpc_bytes = 256 * 1024;
    auto volume = client::Volume::Open(volume_options, "alice", "/vol");
    ASSERT_TRUE(volume.ok()) << volume.status();
    volume_ = std::move(volume).value();
  }

  std::unique_ptr<LocalCluster> cluster_;
  std::unique_ptr<client::Volume> volume_;
};

TEST_F(DataPathTest, ChecksummedPatternAcrossChunkAndSegmentBoundaries) {
  // Ranges straddling chunk (1 MiB) and segment (8 MiB) boundaries, and a large multi-RPC one.
  std::vector<std::pair<uint64_t, uint64_t>> ranges = {{kMiB - 8192, 16384},
                                                       {8 * kMiB - 4096, 3 * 4096},
                                                       {20 * kMiB, 3 * kMiB + 8192},
                                                       {64 * kMiB - 4096, 4096}};
  for (auto [offset, length] : ranges) {
    std::string data;
    for (uint64_t at = offset; at < offset + length; at += 4096) data += PatternBlock(at, 1);
    ASSERT_TRUE(volume_->Write(offset, data.size(), data.data()).ok());
  }
  for (auto [offset, length] : ranges) {
    std::string got(length, 'x');
    ASSERT_TRUE(volume_->Read(offset, length, got.data()).ok());
    for (uint64_t at = 0; at < length; at += 4096) {
      ASSERT_EQ(got.substr(at, 4096), PatternBlock(offset + at, 1)) << "offset " << offset + at;
    }
  }
  // Never written: zeros, both in an allocated segment and in an unallocated one.
  std::string zeros(8192, 'x');
  ASSERT_TRUE(volume_->Read(2 * kMiB, zeros.size(), zeros.data()).ok());
  EXPECT_EQ(zeros, std::string(8192, '\0'));
  ASSERT_TRUE(volume_->Read(40 * kMiB, zeros.size(), zeros.data()).ok());
  EXPECT_EQ(zeros, std::string(8192, '\0'));
  // Many in flight at once through the asynchronous API.
  std::atomic<int> pending{64}, failed{0};
  std::vector<std::string> blocks;
  for (int i = 0; i < 64; ++i) blocks.push_back(PatternBlock(30 * kMiB + i * 4096ull, 2));
  for (int i = 0; i < 64; ++i) {
    volume_->AsyncWrite(30 * kMiB + i * 4096ull, 4096, blocks[i].data(), [&](Status s) {
      if (!s.ok()) ++failed;
      --pending;
    });
  }
  ASSERT_TRUE(PollUntil([&] { return pending == 0; }, std::chrono::seconds(30)));
  EXPECT_EQ(failed, 0);
  std::string all(64 * 4096, 'x');
  ASSERT_TRUE(volume_->Read(30 * kMiB, all.size(), all.data()).ok());
  for (int i = 0; i < 64; ++i) ASSERT_EQ(all.substr(i * 4096, 4096), blocks[i]);
}

TEST_F(DataPathTest, BadInputGivesClearErrors) {
  std::string block(4096, 'a');
  Status s = volume_->Write(100, 4096, block.data());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("not aligned"), std::string::npos) << s;
  s = volume_->Write(64 * kMiB, 4096, block.data());
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << s;
  EXPECT_NE(s.message().find("beyond the volume size"), std::string::npos) << s;
  s = volume_->Read(64 * kMiB - 512, 1024, block.data());
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << s;
  client::VolumeOptions options;
  options.mds_addresses = cluster_->mds_list();
  auto missing = client::Volume::Open(options, "alice", "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status();
  // The cluster is still serving.
  EXPECT_TRUE(volume_->Write(0, 4096, block.data()).ok());
}

// Many writes in flight at once: while two WriteChunks calls to a chunkserver are out, the
// others queue and leave together, so there are fewer calls than writes; each write is still
// answered on its own and reads back.
TEST_F(DataPathTest, ConcurrentWritesShareWriteCalls) {
  // Allocate the segments and learn every copyset's leader first (a write to every chunk), so
  // the writes below take the direct (batched) path.
  for (uint64_t chunk = 0; chunk < 64 * kMiB; chunk += kMiB) {
    std::string block = PatternBlock(chunk, 1);
    ASSERT_TRUE(volume_->Write(chunk, 4096, block.data()).ok());
  }
  client::VolumeStats before = volume_->stats();
  constexpr int kWrites = 512;
  std::vector<uint64_t> offsets;
  std::vector<std::string> blocks;
  for (int i = 0; i < kWrites; ++i) {
    uint64_t offset = (static_cast<uint64_t>(i) * 7919 % 16384) * 4096;
    if (offset % kMiB == 0) offset += 4096;
    offsets.push_back(offset);
    blocks.push_back(PatternBlock(offset, 7));
  }
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::vector<Status> results(kWrites);
  for (int i = 0; i < kWrites; ++i) {
    volume_->AsyncWrite(offsets[i], 4096, blocks[i].data(), [&, i](Status s) {
      std::lock_guard lock(mu);
      results[i] = s;
      ++done;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return done == kWrites; }));
  }
  for (int i = 0; i < kWrites; ++i) ASSERT_TRUE(results[i].ok()) << i << ": " << results[i];
  client::VolumeStats after = volume_->stats();
  uint64_t writes = after.direct_writes - before.direct_writes;
  uint64_t calls = after.write_calls - before.write_calls;
  // Pieces for a copyset whose leader this client has not learned yet go through an IO thread.
  EXPECT_GE(writes, static_cast<uint64_t>(kWrites / 2));
  EXPECT_GT(calls, 0u);
  EXPECT_LT(calls * 2, writes) << calls << " calls for " << writes << " writes";
  for (int i = 0; i < kWrites; ++i) {
    std::string got(4096, 'x');
    ASSERT_TRUE(volume_->Read(offsets[i], 4096, got.data()).ok());
    ASSERT_EQ(got, blocks[i]) << "offset " << offsets[i];
  }
}

// kill -9 a chunkserver (it leads some of the copysets) during a write workload: IO pauses for
// less than 5 s; after its restart every acknowledged write reads back, and it rejoins from its
// own files and log (no snapshot install).
TEST_F(DataPathTest, KillChunkServerDuringWritesLosesNothing) {
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<uint64_t, uint64_t> acked;  // offset -> generation
  std::atomic<int64_t> max_gap_ms{0};
  std::thread writer([&] {
    auto last = std::chrono::steady_clock::now();
    for (uint64_t i = 0; !stop; ++i) {
      uint64_t offset = (i * 7919 % 4096) * 4096 + (i % 3) * 8 * kMiB;
      std::string block = PatternBlock(offset, i + 10);
      Status s = volume_->Write(offset, 4096, block.data());
      auto now = std::chrono::steady_clock::now();
      if (s.ok()) {
        int64_t gap = std::chrono::duration_cast<std::chrono::milliseconds>(now - last).count();
        if (gap > max_gap_ms) max_gap_ms = gap;
        last = now;
        std::lock_guard lock(mu);
        acked[offset] = i + 10;
      }
    }
  });
  auto count = [&] {
    std::lock_guard lock(mu);
    return acked.size();
  };
  ASSERT_TRUE(PollUntil([&] { return count() > 50; }, std::chrono::seconds(30)));
  cluster_->KillChunkServer(0);
  size_t at_kill = count();
  ASSERT_TRUE(PollUntil([&] { return count() > at_kill + 100; }, std::chrono::seconds(30)));
  stop = true;
  writer.join();
  EXPECT_LT(max_gap_ms.load(), 5000);
  ASSERT_TRUE(cluster_->RestartChunkServer(0).ok());
  ASSERT_TRUE(cluster_->WaitHealthy(std::chrono::seconds(30)).ok());
  for (const auto& [offset, generation] : acked) {
    std::string got(4096, 'x');
    ASSERT_TRUE(volume_->Read(offset, 4096, got.data()).ok());
    ASSERT_EQ(got, PatternBlock(offset, generation)) << "offset " << offset;
  }
  std::ifstream log(cluster_->dir() + "/cs0.log");
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_EQ(text.str().find("op=InstallSnapshot"), std::string::npos);
}

}  // namespace
}  // namespace curve::testing
