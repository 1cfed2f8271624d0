#include "services/attach/attach_state.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/testing/subprocess.h"
#include "services/attach/attach_daemon.h"

namespace curve::attach {
namespace {

TEST(AttachPathsTest, EscapesVolumeNamesIntoOneDirectory) {
  EXPECT_EQ(AttachPaths::Escape("vol-1_a.b"), "vol-1_a.b");
  EXPECT_EQ(AttachPaths::Escape("/dir/vol"), "%2Fdir%2Fvol");
  EXPECT_EQ(AttachPaths::Escape(".."), "%2E.");
  AttachPaths paths("/run/curve/attach", "/d/v");
  EXPECT_EQ(paths.state_file(), "/run/curve/attach/%2Fd%2Fv/state.json");
  EXPECT_EQ(paths.mount_dir(), "/run/curve/attach/%2Fd%2Fv/mnt");
  EXPECT_EQ(paths.lock_file(), "/run/curve/attach/%2Fd%2Fv.lock");
}

TEST(AttachStateTest, RoundTripAndList) {
  testing::TempDir dir;
  AttachState state;
  state.volume = "/dir/vol1";
  state.backend = "file:/images/vol1";
  state.pid = 4242;
  state.fuse_mount = "/run/x/mnt";
  state.file = "/run/x/mnt/volume";
  state.device = "/dev/loop7";
  state.direct_io = true;
  state.log_file = "/run/x/attachd.log";
  AttachPaths paths(dir.path(), state.volume);
  std::filesystem::create_directories(paths.volume_dir());
  ASSERT_TRUE(WriteAttachState(paths.state_file(), state).ok());
  auto read = ReadAttachState(paths.state_file());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->volume, state.volume);
  EXPECT_EQ(read->pid, 4242);
  EXPECT_EQ(read->device, "/dev/loop7");
  EXPECT_TRUE(read->direct_io);
  auto all = ListAttachStates(dir.path());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].backend, state.backend);
  EXPECT_TRUE(ListAttachStates(dir.path() + "/absent").empty());
}

TEST(AttachStateTest, MissingAndCorruptRecords) {
  testing::TempDir dir;
  EXPECT_EQ(ReadAttachState(dir.path() + "/none.json").status().code(), StatusCode::kNotFound);
  std::ofstream(dir.path() + "/bad.json") << "{\"volume\": ";
  EXPECT_EQ(ReadAttachState(dir.path() + "/bad.json").status().code(), StatusCode::kDataLoss);
}

TEST(AttachStateTest, OnlyLiveAttachDaemonsCountAsAlive) {
  EXPECT_FALSE(AttachDaemonAlive(::getpid()));  // alive, but not curve-attachd
  EXPECT_FALSE(AttachDaemonAlive(0));
  EXPECT_FALSE(AttachDaemonAlive(999999999));
}

TEST(AttachDaemonFlagsTest, ParsesAndRejects) {
  auto options = ParseAttachDaemonFlags(
      {"--volume=v", "--backend=file:/x", "--runtime-dir=/tmp/r", "--ready-fd=5", "--foreground"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->volume, "v");
  EXPECT_EQ(options->ready_fd, 5);
  EXPECT_TRUE(options->foreground);
  EXPECT_EQ(ParseAttachDaemonFlags({"--volume=v"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseAttachDaemonFlags({"--volume=v", "--backend=b", "--bogus"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ParseAttachDaemonFlags({"--volume=v", "--backend=b", "--block-size=1000"}).status().code(),
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace curve::attach
