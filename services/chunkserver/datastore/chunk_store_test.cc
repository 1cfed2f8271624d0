#include "services/chunkserver/datastore/chunk_store.h"

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/fs/posix_file_system.h"
#include "common/fs/testing/fault_injection_file_system.h"
#include "common/testing/subprocess.h"
#include "services/chunkserver/datastore/checksum.h"

namespace curve::chunkserver {
namespace {

using FaultFs = fs::testing::FaultInjectionFileSystem;

constexpr uint64_t kChunk = 1 << 20;
constexpr size_t kBlock = 4096;
constexpr uint64_t kPoolFiles = 8;

// A 4 KiB block that names where it belongs and carries its own checksum, so a read that returns
// the wrong block, a torn block or zeros is told apart from the right data.
std::string PatternBlock(ChunkId id, uint64_t offset, uint32_t seed) {
  std::string block(kBlock, '\0');
  std::mt19937_64 rng(id * 1000003 + offset * 31 + seed);
  for (size_t i = 0; i + 8 <= kBlock - 24; i += 8) {
    uint64_t v = rng();
    std::memcpy(&block[i], &v, 8);
  }
  std::memcpy(&block[kBlock - 24], &id, 8);
  std::memcpy(&block[kBlock - 16], &offset, 8);
  uint32_t crc = Crc32(std::string_view(block.data(), kBlock - 4));
  std::memcpy(&block[kBlock - 4], &crc, 4);
  return block;
}

// Empty when `data` is the pattern written at (id, offset, seed), else what is wrong.
std::string VerifyPattern(const std::string& data, ChunkId id, uint64_t offset, uint32_t seed) {
  for (size_t at = 0; at < data.size(); at += kBlock) {
    std::string_view block(data.data() + at, kBlock);
    uint32_t crc;
    std::memcpy(&crc, block.data() + kBlock - 4, 4);
    if (crc != Crc32(block.substr(0, kBlock - 4))) {
      return "checksum mismatch at offset " + std::to_string(offset + at);
    }
    if (block != PatternBlock(id, offset + at, seed)) {
      return "wrong block at offset " + std::to_string(offset + at);
    }
  }
  return "";
}

std::string Pattern(ChunkId id, uint64_t offset, size_t length, uint32_t seed) {
  std::string data;
  for (size_t at = 0; at < length; at += kBlock) data += PatternBlock(id, offset + at, seed);
  return data;
}

class ChunkStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FormatOptions format;
    format.chunk_size = kChunk;
    format.chunk_count = kPoolFiles;
    ASSERT_TRUE(FilePool::Format(dir_.path(), format, fs_).ok());
    options_.data_dir = dir_.path();
  }

  std::unique_ptr<ChunkStore> OpenStore(fs::FileSystem* fs = nullptr) {
    auto store = ChunkStore::Open(options_, fs ? fs : fs_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  ::curve::testing::TempDir dir_;
  fs::PosixFileSystem* fs_ = fs::PosixFileSystem::Default();
  ChunkStoreOptions options_;
};

TEST_F(ChunkStoreTest, WriteReadChecksummedPatternAcrossChunksAndReopen) {
  struct Extent {
    ChunkId id;
    uint64_t offset;
    size_t length;
  };
  std::vector<Extent> extents = {
      {1, 0, kBlock}, {1, kChunk - kBlock, kBlock}, {2, 12 * kBlock, 64 * kBlock},
      {3, 0, kChunk}, {7, kChunk / 2, 3 * kBlock},  {1 << 30, 5 * kBlock, kBlock},
  };
  {
    auto store = OpenStore();
    for (const auto& e : extents) {
      ASSERT_TRUE(store->Write(e.id, e.offset, Pattern(e.id, e.offset, e.length, 1)).ok());
    }
    for (const auto& e : extents) {
      auto data = store->Read(e.id, e.offset, e.length);
      ASSERT_TRUE(data.ok()) << data.status();
      EXPECT_EQ(VerifyPattern(*data, e.id, e.offset, 1), "");
    }
    // Unwritten parts of a new chunk read as zeros.
    auto zeros = store->Read(1, kBlock, 2 * kBlock);
    ASSERT_TRUE(zeros.ok());
    EXPECT_EQ(*zeros, std::string(2 * kBlock, '\0'));
    EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 5);
  }
  auto store = OpenStore();
  for (const auto& e : extents) {
    auto data = store->Read(e.id, e.offset, e.length);
    ASSERT_TRUE(data.ok()) << data.status();
    EXPECT_EQ(VerifyPattern(*data, e.id, e.offset, 1), "") << "chunk " << e.id;
  }
  auto chunks = store->ListChunks();
  ASSERT_EQ(chunks.size(), 5u);
  EXPECT_EQ(chunks[0].id, 1u);
  EXPECT_EQ(chunks[4].id, 1u << 30);
  EXPECT_EQ(chunks[0].path, store->ChunkPath(1));
  EXPECT_EQ(chunks[0].size, kChunk);
}

TEST_F(ChunkStoreTest, UnalignedBuffersAreHandled) {
  auto store = OpenStore();
  std::string data = " " + Pattern(4, 0, 2 * kBlock, 2);
  ASSERT_TRUE(store->Write(4, 0, std::string_view(data).substr(1)).ok());
  std::string out(2 * kBlock + 1, '\0');
  ASSERT_TRUE(store->ReadInto(4, 0, 2 * kBlock, out.data() + 1).ok());
  EXPECT_EQ(VerifyPattern(out.substr(1), 4, 0, 2), "");
}

TEST_F(ChunkStoreTest, AlignmentAndRangeErrors) {
  auto store = OpenStore();
  struct Case {
    uint64_t offset;
    size_t length;
    StatusCode code;
  };
  const Case cases[] = {
      {512, kBlock, StatusCode::kInvalidArgument},
      {0, 512, StatusCode::kInvalidArgument},
      {1, kBlock, StatusCode::kInvalidArgument},
      {0, 0, StatusCode::kInvalidArgument},
      {kChunk, kBlock, StatusCode::kOutOfRange},
      {kChunk - kBlock, 2 * kBlock, StatusCode::kOutOfRange},
      {1ull << 62, kBlock, StatusCode::kOutOfRange},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(store->Write(1, c.offset, std::string(c.length, 'x')).code(), c.code)
        << c.offset << "+" << c.length;
    EXPECT_EQ(store->Read(1, c.offset, c.length).status().code(), c.code)
        << c.offset << "+" << c.length;
  }
  // No chunk was created by the rejected writes.
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles);
}

TEST_F(ChunkStoreTest, BlockSize512IsAllowedByConfig) {
  options_.block_size = 512;
  auto store = OpenStore();
  std::string data(512, 'a');
  ASSERT_TRUE(store->Write(1, 512, data).ok());
  auto read = store->Read(1, 512, 512);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, data);
  options_.block_size = 1000;
  EXPECT_EQ(ChunkStore::Open(options_, fs_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ChunkStoreTest, UnknownChunkIsNotFoundNamingTheFile) {
  auto store = OpenStore();
  auto read = store->Read(42, 0, kBlock);
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_NE(read.status().message().find("chunk_42"), std::string::npos) << read.status();
  EXPECT_EQ(store->GetInfo(42).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Delete(42).code(), StatusCode::kNotFound);
}

TEST_F(ChunkStoreTest, PoolExhaustionAndReuseAfterDelete) {
  auto store = OpenStore();
  for (ChunkId id = 1; id <= kPoolFiles; id++) {
    ASSERT_TRUE(store->Write(id, 0, Pattern(id, 0, kBlock, 3)).ok());
  }
  Status full = store->Write(100, 0, Pattern(100, 0, kBlock, 3));
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted) << full;
  EXPECT_EQ(store->GetInfo(100).status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(store->Delete(3).ok());
  EXPECT_FALSE(fs_->Exists(store->ChunkPath(3)));
  EXPECT_EQ(store->pool()->dirty_count(), 1u);
  ASSERT_TRUE(store->Write(100, kBlock, Pattern(100, kBlock, kBlock, 3)).ok());
  // The recycled file holds nothing of chunk 3.
  auto old_area = store->Read(100, 0, kBlock);
  ASSERT_TRUE(old_area.ok());
  EXPECT_EQ(*old_area, std::string(kBlock, '\0'));
  EXPECT_EQ(store->Read(3, 0, kBlock).status().code(), StatusCode::kNotFound);
}

TEST_F(ChunkStoreTest, SequenceNumberIsRecordedAndPersisted) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Write(1, 0, Pattern(1, 0, kBlock, 4), 5).ok());
    EXPECT_EQ(store->GetInfo(1)->sequence, 5u);
    ASSERT_TRUE(store->Write(1, 0, Pattern(1, 0, kBlock, 4), 7).ok());
    EXPECT_EQ(store->Write(1, 0, Pattern(1, 0, kBlock, 4), 6).code(),
              StatusCode::kFailedPrecondition);
    ASSERT_TRUE(store->Write(1, kBlock, Pattern(1, kBlock, kBlock, 4)).ok());
  }
  auto store = OpenStore();
  auto info = store->GetInfo(1);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->sequence, 7u);
  EXPECT_EQ(info->size, kChunk);
}

TEST_F(ChunkStoreTest, CorruptHeaderIsDataLossNeverZeroed) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Write(1, 0, Pattern(1, 0, kBlock, 5)).ok());
    ASSERT_TRUE(store->Write(2, 0, Pattern(2, 0, kBlock, 5)).ok());
  }
  std::string path = fs::JoinPath(fs::JoinPath(dir_.path(), "chunks"), "chunk_1");
  {
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(20);
    file.put('\x7f');
  }
  auto store = OpenStore();
  auto problems = store->Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].code(), StatusCode::kDataLoss);
  EXPECT_NE(problems[0].message().find(path), std::string::npos) << problems[0];
  auto read = store->Read(1, 0, kBlock);
  EXPECT_EQ(read.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(read.status().message().find(path), std::string::npos);
  EXPECT_EQ(store->Write(1, 0, Pattern(1, 0, kBlock, 6)).code(), StatusCode::kDataLoss);
  EXPECT_EQ(store->Delete(1).code(), StatusCode::kDataLoss);
  EXPECT_TRUE(fs_->Exists(path));
  ASSERT_EQ(store->ListChunks().size(), 1u);
  EXPECT_EQ(VerifyPattern(*store->Read(2, 0, kBlock), 2, 0, 5), "");
}

TEST_F(ChunkStoreTest, TruncatedChunkFileIsDataLoss) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Write(1, 0, Pattern(1, 0, kBlock, 5)).ok());
  }
  std::string path = fs::JoinPath(fs::JoinPath(dir_.path(), "chunks"), "chunk_1");
  ASSERT_EQ(::truncate(path.c_str(), kBlock * 3), 0);
  auto store = OpenStore();
  EXPECT_EQ(store->Read(1, 0, kBlock).status().code(), StatusCode::kDataLoss);
  ASSERT_EQ(store->Problems().size(), 1u);
  EXPECT_NE(store->Problems()[0].message().find("size"), std::string::npos);
}

TEST_F(ChunkStoreTest, MissingChunkFileIsNotFoundNamingTheFile) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Write(1, 0, Pattern(1, 0, kBlock, 5)).ok());
  }
  auto store = OpenStore();
  std::string path = store->ChunkPath(1);
  ASSERT_TRUE(fs_->Remove(path).ok());
  auto read = store->Read(1, 0, kBlock);
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_NE(read.status().message().find(path + " is missing"), std::string::npos) << read.status();
}

TEST_F(ChunkStoreTest, CrashDuringTakeIsRecoveredAtOpen) {
  FaultFs faulty(fs_);
  {
    auto store = OpenStore(&faulty);
    // The rename completing the chunk fails, and so does the best-effort return to the pool:
    // the state a crash between the two renames leaves behind.
    faulty.FailNext(FaultFs::Op::kRenameNoReplace, "chunk_5.taking -> ",
                    InternalError("injected crash"), 2);
    EXPECT_FALSE(store->Write(5, 0, Pattern(5, 0, kBlock, 7)).ok());
  }
  ASSERT_TRUE(fs_->Exists(fs::JoinPath(fs::JoinPath(dir_.path(), "chunks"), "chunk_5.taking")));
  auto store = OpenStore();
  EXPECT_FALSE(fs_->Exists(fs::JoinPath(fs::JoinPath(dir_.path(), "chunks"), "chunk_5.taking")));
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles);
  EXPECT_EQ(store->pool()->dirty_count(), 1u);
  EXPECT_EQ(store->Read(5, 0, kBlock).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->Problems().empty());
  ASSERT_TRUE(store->Write(5, 0, Pattern(5, 0, kBlock, 7)).ok());
  EXPECT_EQ(VerifyPattern(*store->Read(5, 0, kBlock), 5, 0, 7), "");
}

TEST_F(ChunkStoreTest, FailedHeaderWriteReturnsTheFileToThePool) {
  FaultFs faulty(fs_);
  auto store = OpenStore(&faulty);
  faulty.FailNext(FaultFs::Op::kSync, "chunk_6.taking", DataLossError("injected EIO"));
  EXPECT_EQ(store->Write(6, 0, Pattern(6, 0, kBlock, 8)).code(), StatusCode::kDataLoss);
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles);
  EXPECT_EQ(store->GetInfo(6).status().code(), StatusCode::kNotFound);
}

TEST_F(ChunkStoreTest, DiskFullOnWriteIsResourceExhausted) {
  FaultFs faulty(fs_);
  auto store = OpenStore(&faulty);
  ASSERT_TRUE(store->Write(3, 0, Pattern(3, 0, kBlock, 9)).ok());
  faulty.FailNext(FaultFs::Op::kWrite, "chunk_3",
                  ResourceExhaustedError("disk full: write: No space left on device"));
  Status status = store->Write(3, kBlock, Pattern(3, kBlock, kBlock, 9));
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("disk full"), std::string::npos);
}

TEST_F(ChunkStoreTest, ConcurrentWritersOnDistinctChunks) {
  auto store = OpenStore();
  std::vector<std::thread> threads;
  for (ChunkId id = 1; id <= 4; id++) {
    threads.emplace_back([&, id] {
      for (uint64_t block = 0; block < 32; block++) {
        EXPECT_TRUE(store->Write(id, block * kBlock, Pattern(id, block * kBlock, kBlock, 10)).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (ChunkId id = 1; id <= 4; id++) {
    EXPECT_EQ(VerifyPattern(*store->Read(id, 0, 32 * kBlock), id, 0, 10), "");
  }
  EXPECT_TRUE(store->SyncAll().ok());
}

TEST_F(ChunkStoreTest, ReadsDuringCreationFromADirtyPool) {
  FaultFs faults(fs_);
  auto store = OpenStore(&faults);
  ASSERT_TRUE(store->Write(1, 0, Pattern(1, 0, kBlock, 11)).ok());
  for (ChunkId id = 10; id < 10 + kPoolFiles - 1; id++) {
    ASSERT_TRUE(store->Write(id, 0, Pattern(id, 0, kBlock, 11)).ok());
  }
  for (ChunkId id = 10; id < 10 + kPoolFiles - 1; id++) ASSERT_TRUE(store->Delete(id).ok());
  ASSERT_EQ(store->pool()->clean_count(), 0u);
  // Creating chunk 2 finds only dirty files and zeroes one first, a slow step. Parking that
  // step's sync makes the reads of chunk 1 below provably run while the creation is in
  // progress: they must neither wait for it nor see wrong data.
  faults.BlockSyncs();
  std::thread creator([&] { EXPECT_TRUE(store->Write(2, 0, Pattern(2, 0, kBlock, 11)).ok()); });
  faults.WaitForBlockedSyncs(1);
  for (int i = 0; i < 20; ++i) {
    auto data = store->Read(1, 0, kBlock);
    EXPECT_TRUE(data.ok()) << data.status();
    if (!data.ok()) break;
    EXPECT_EQ(VerifyPattern(*data, 1, 0, 11), "");
  }
  faults.UnblockSyncs();
  creator.join();
  EXPECT_EQ(VerifyPattern(*store->Read(2, 0, kBlock), 2, 0, 11), "");
}

}  // namespace
}  // namespace curve::chunkserver
