#include "common/fs/posix_file_system.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace curve::fs {
namespace {

class PosixFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "curve_fs_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<File> MustOpen(const std::string& name, OpenOptions options = {.create = true}) {
    Result<std::unique_ptr<File>> file = fs_->Open(JoinPath(dir_, name), options);
    EXPECT_TRUE(file.ok()) << file.status();
    return file.ok() ? std::move(file).value() : nullptr;
  }

  PosixFileSystem* fs_ = PosixFileSystem::Default();
  std::string dir_;
};

TEST(JoinPathTest, NeverDoublesTheSeparator) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
}

TEST_F(PosixFileSystemTest, WriteReadUpToTheEndAndExactly) {
  auto f = MustOpen("f");
  ASSERT_TRUE(f->Write(0, "hello").ok());
  ASSERT_TRUE(f->Write(5, " world").ok());
  ASSERT_TRUE(f->Sync().ok());
  EXPECT_EQ(*f->Size(), 11u);
  std::string buf(20, '\0');
  EXPECT_EQ(*f->Read(6, 20, buf.data()), 5u);
  EXPECT_EQ(buf.substr(0, 5), "world");
  EXPECT_EQ(*f->Read(11, 4, buf.data()), 0u);
  EXPECT_TRUE(ReadExactly(*f, 0, 5, buf.data()).ok());
  EXPECT_EQ(buf.substr(0, 5), "hello");
  Status short_read = ReadExactly(*f, 8, 4, buf.data());
  EXPECT_EQ(short_read.code(), StatusCode::kOutOfRange);
  EXPECT_NE(short_read.message().find(f->path()), std::string::npos) << short_read;
}

TEST_F(PosixFileSystemTest, TruncateAndAllocate) {
  auto f = MustOpen("f");
  ASSERT_TRUE(f->Write(0, "abcdef").ok());
  ASSERT_TRUE(f->Truncate(2).ok());
  EXPECT_EQ(*f->Size(), 2u);
  ASSERT_TRUE(f->Allocate(4096).ok());
  EXPECT_EQ(*f->Size(), 4096u);
  ASSERT_TRUE(f->Allocate(10).ok());  // never shrinks
  EXPECT_EQ(*f->Size(), 4096u);
  std::string buf(4, 'x');
  ASSERT_TRUE(ReadExactly(*f, 0, 4, buf.data()).ok());
  EXPECT_EQ(buf, std::string("ab\0\0", 4));
}

TEST_F(PosixFileSystemTest, OpenOptions) {
  EXPECT_EQ(fs_->Open(JoinPath(dir_, "missing"), {}).status().code(), StatusCode::kNotFound);
  auto f = MustOpen("f", {.create = true, .exclusive = true});
  ASSERT_TRUE(f->Write(0, "x").ok());
  EXPECT_EQ(fs_->Open(JoinPath(dir_, "f"), {.create = true, .exclusive = true}).status().code(),
            StatusCode::kAlreadyExists);
  auto again = MustOpen("f");  // create never truncates
  EXPECT_EQ(*again->Size(), 1u);
  auto synced = MustOpen("d", {.create = true, .dsync = true});
  EXPECT_TRUE(synced->Write(0, "y").ok());
}

TEST_F(PosixFileSystemTest, RenameReplacesAndRenameNoReplaceDoesNot) {
  MustOpen("a")->Write(0, "a").IgnoreError();
  MustOpen("b")->Write(0, "b").IgnoreError();
  std::string a = JoinPath(dir_, "a"), b = JoinPath(dir_, "b"), c = JoinPath(dir_, "c");
  EXPECT_EQ(fs_->RenameNoReplace(a, b).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(fs_->Exists(a));
  ASSERT_TRUE(fs_->Rename(a, b).ok());
  EXPECT_FALSE(fs_->Exists(a));
  ASSERT_TRUE(fs_->RenameNoReplace(b, c).ok());
  auto f = MustOpen("c");
  std::string buf(1, '\0');
  ASSERT_TRUE(ReadExactly(*f, 0, 1, buf.data()).ok());
  EXPECT_EQ(buf, "a");
  ASSERT_TRUE(fs_->SyncDir(dir_).ok());
  ASSERT_TRUE(fs_->Remove(c).ok());
  EXPECT_EQ(fs_->Remove(c).code(), StatusCode::kNotFound);
}

TEST_F(PosixFileSystemTest, ListNamesFilesOnlyAndCreateDirMakesParents) {
  ASSERT_TRUE(fs_->CreateDir(JoinPath(dir_, "x/y/z")).ok());
  ASSERT_TRUE(fs_->CreateDir(JoinPath(dir_, "x/y/z")).ok());
  EXPECT_TRUE(fs_->Exists(JoinPath(dir_, "x/y/z")));
  MustOpen("x/f1");
  MustOpen("x/f2");
  auto names = fs_->List(JoinPath(dir_, "x"));
  ASSERT_TRUE(names.ok()) << names.status();
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"f1", "f2"}));
  EXPECT_EQ(fs_->List(JoinPath(dir_, "nope")).status().code(), StatusCode::kNotFound);
}

TEST_F(PosixFileSystemTest, SpaceReportsTheDisk) {
  auto space = fs_->Space(dir_);
  ASSERT_TRUE(space.ok()) << space.status();
  EXPECT_GT(space->total_bytes, 0u);
  EXPECT_LE(space->available_bytes, space->total_bytes);
}

TEST(ErrnoStatusTest, MapsErrnoToCodes) {
  EXPECT_EQ(ErrnoStatus(ENOENT, "open", "p").code(), StatusCode::kNotFound);
  EXPECT_EQ(ErrnoStatus(EEXIST, "open", "p").code(), StatusCode::kAlreadyExists);
  Status full = ErrnoStatus(ENOSPC, "pwrite", "p");
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(full.message().rfind("disk full", 0), 0u) << full;
  EXPECT_EQ(ErrnoStatus(EROFS, "open", "p").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus(EIO, "pread", "p").code(), StatusCode::kDataLoss);
  EXPECT_EQ(ErrnoStatus(EBADF, "pread", "p").code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace curve::fs
