#include "common/fs/testing/fault_injection_file_system.h"

#include <gtest/gtest.h>

#include <thread>

namespace curve::fs::testing {
namespace {

using Op = FaultInjectionFileSystem::Op;

std::unique_ptr<File> MustOpen(FileSystem& fs, const std::string& path) {
  Result<std::unique_ptr<File>> file = fs.Open(path, OpenOptions{.create = true});
  EXPECT_TRUE(file.ok()) << file.status();
  return std::move(file).value();
}

TEST(FaultInjectionFileSystemTest, UnsyncedDataAndNamesAreLostOnRestart) {
  FaultInjectionFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("/d").ok());
  auto a = MustOpen(fs, "/d/a");
  ASSERT_TRUE(a->Write(0, "synced").ok());
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(fs.SyncDir("/d").ok());
  ASSERT_TRUE(a->Write(6, "-lost").ok());
  auto b = MustOpen(fs, "/d/b");  // name never synced
  ASSERT_TRUE(b->Write(0, "x").ok());
  ASSERT_TRUE(b->Sync().ok());

  fs.RestartDroppingUnsynced();
  EXPECT_EQ(*fs.Contents("/d/a"), "synced");
  EXPECT_EQ(fs.Contents("/d/b").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(a->Write(0, "y").code(), StatusCode::kUnavailable);  // stale handle
}

TEST(FaultInjectionFileSystemTest, RestartKeepsAPrefixOfUnsyncedWritesPossiblyTorn) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    FaultInjectionFileSystem fs;
    auto f = MustOpen(fs, "f");
    ASSERT_TRUE(fs.SyncDir("").ok());
    ASSERT_TRUE(f->Write(0, "base").ok());
    ASSERT_TRUE(f->Sync().ok());
    ASSERT_TRUE(f->Write(4, "11111").ok());
    ASSERT_TRUE(f->Write(9, "22222").ok());
    fs.Restart(seed);
    std::string got = *fs.Contents("f");
    ASSERT_GE(got.size(), 4u);
    EXPECT_EQ(got.substr(0, 4), "base") << "seed " << seed;
    std::string full = "base1111122222";
    // Whatever survives is a prefix of what was written, except for junk after a torn write.
    size_t same = 0;
    while (same < got.size() && same < full.size() && got[same] == full[same]) ++same;
    EXPECT_GE(same, 4u);
  }
}

TEST(FaultInjectionFileSystemTest, CrashAfterFailsEverythingFromThatCall) {
  FaultInjectionFileSystem fs;
  auto f = MustOpen(fs, "f");
  fs.CrashAfter(2);
  EXPECT_TRUE(f->Write(0, "a").ok());
  EXPECT_TRUE(f->Sync().ok());
  EXPECT_EQ(f->Write(1, "b").code(), StatusCode::kUnavailable);
  EXPECT_TRUE(fs.crashed());
  EXPECT_EQ(f->Sync().code(), StatusCode::kUnavailable);
  char out;
  EXPECT_EQ(f->Read(0, 1, &out).status().code(), StatusCode::kUnavailable);
  fs.RestartDroppingUnsynced();
  EXPECT_FALSE(fs.crashed());
}

TEST(FaultInjectionFileSystemTest, FailOpFailsExactlyTheChosenCall) {
  FaultInjectionFileSystem fs;
  auto f = MustOpen(fs, "f");
  fs.FailOp(Op::kSync, 1);
  EXPECT_TRUE(f->Sync().ok());
  EXPECT_EQ(f->Sync().code(), StatusCode::kInternal);
  EXPECT_TRUE(f->Sync().ok());
  EXPECT_EQ(fs.Count(Op::kSync), 3u);
}

TEST(FaultInjectionFileSystemTest, RenameAndRemoveRevertWithoutSyncDir) {
  FaultInjectionFileSystem fs;
  auto f = MustOpen(fs, "old");
  ASSERT_TRUE(f->Write(0, "v").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(fs.SyncDir("").ok());
  ASSERT_TRUE(fs.Rename("old", "new").ok());
  fs.RestartDroppingUnsynced();
  EXPECT_TRUE(fs.Contents("old").ok());
  EXPECT_FALSE(fs.Contents("new").ok());
  ASSERT_TRUE(fs.Remove("old").ok());
  ASSERT_TRUE(fs.SyncDir("").ok());
  fs.RestartDroppingUnsynced();
  EXPECT_FALSE(fs.Contents("old").ok());
}

TEST(FaultInjectionFileSystemTest, BlockedSyncsWaitForRelease) {
  FaultInjectionFileSystem fs;
  auto f = MustOpen(fs, "f");
  fs.BlockSyncs();
  std::thread t([&] { EXPECT_TRUE(f->Sync().ok()); });
  fs.WaitForBlockedSyncs(1);
  EXPECT_EQ(fs.Count(Op::kSync), 0u);  // counted once it proceeds
  fs.UnblockSyncs();
  t.join();
  EXPECT_EQ(fs.Count(Op::kSync), 1u);
}

TEST(FaultInjectionFileSystemTest, FailNextFailsMatchingPathsWithTheChosenError) {
  FaultInjectionFileSystem fs;
  auto a = MustOpen(fs, "chunk_7");
  auto b = MustOpen(fs, "chunk_8");
  fs.FailNext(Op::kWrite, "chunk_7", ResourceExhaustedError("disk full"), 2);
  EXPECT_TRUE(b->Write(0, "x").ok());
  EXPECT_EQ(a->Write(0, "x").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(a->Write(0, "x").code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(a->Write(0, "x").ok());
  fs.FailNext(Op::kRenameNoReplace, "chunk_8 -> ", InternalError("injected crash"));
  EXPECT_EQ(fs.RenameNoReplace("chunk_8", "chunk_9").code(), StatusCode::kInternal);
  EXPECT_TRUE(fs.Contents("chunk_8").ok());  // no effect
  EXPECT_TRUE(fs.RenameNoReplace("chunk_8", "chunk_9").ok());
  EXPECT_EQ(fs.RenameNoReplace("chunk_9", "chunk_7").code(), StatusCode::kAlreadyExists);
}

TEST(FaultInjectionFileSystemTest, AllocateIsAnUnsyncedGrowOnlyWrite) {
  FaultInjectionFileSystem fs;
  auto f = MustOpen(fs, "f");
  ASSERT_TRUE(fs.SyncDir("").ok());
  ASSERT_TRUE(f->Write(0, "abc").ok());
  ASSERT_TRUE(f->Allocate(2).ok());
  EXPECT_EQ(*f->Size(), 3u);
  ASSERT_TRUE(f->Allocate(8).ok());
  EXPECT_EQ(*fs.Contents("f"), std::string("abc\0\0\0\0\0", 8));
  fs.RestartDroppingUnsynced();
  EXPECT_EQ(*fs.Contents("f"), "");
}

TEST(FaultInjectionFileSystemTest, DsyncWritesAreDurableAtOnce) {
  FaultInjectionFileSystem fs;
  auto f = std::move(fs.Open("f", OpenOptions{.create = true, .dsync = true})).value();
  ASSERT_TRUE(fs.SyncDir("").ok());
  ASSERT_TRUE(f->Write(0, "kept").ok());
  fs.Restart(7);
  EXPECT_EQ(*fs.Contents("f"), "kept");
}

TEST(FaultInjectionFileSystemTest, WrapsAGivenFileSystem) {
  MemFileSystem base;
  FaultInjectionFileSystem fs(&base);
  auto f = MustOpen(fs, "f");
  fs.FailOp(Op::kSync);
  EXPECT_EQ(f->Sync().code(), StatusCode::kInternal);
  ASSERT_TRUE(f->Write(0, "v").ok());
  EXPECT_EQ(*base.Contents("f"), "v");
  fs.CrashAfter(0);
  EXPECT_EQ(fs.Remove("f").code(), StatusCode::kUnavailable);
  EXPECT_TRUE(base.Exists("f"));
}

}  // namespace
}  // namespace curve::fs::testing
