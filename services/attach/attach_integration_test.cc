// Maps file-backed volumes through the real curve-attachd (FUSE + loop device), makes and mounts
// ext4 on them. Needs root, /dev/fuse, /dev/loop-control and mkfs.ext4; skips otherwise. Every
// mount, daemon and loop device a test creates is removed in TearDown, by the paths it created.

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "common/testing/subprocess.h"
#include "services/attach/attach_state.h"
#include "services/attach/fuse_loop_attacher.h"
#include "services/attach/loop_device.h"

namespace curve::attach {
namespace {

using namespace std::chrono_literals;

int Shell(const std::string& command) {
  int status = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string data(n, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  return data;
}

class AttachIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0 || ::access("/dev/fuse", R_OK | W_OK) != 0 ||
        ::access("/dev/loop-control", R_OK | W_OK) != 0 || Shell("command -v mkfs.ext4") != 0) {
      GTEST_SKIP() << "needs root, /dev/fuse, /dev/loop-control and mkfs.ext4";
    }
    runtime_dir_ = dir_.path() + "/run";
    mount_dir_ = dir_.path() + "/fs";
    image_ = dir_.path() + "/image";
    std::filesystem::create_directories(mount_dir_);
    std::filesystem::create_directories(runtime_dir_);
    std::ofstream(image_).close();
    std::filesystem::resize_file(image_, 64 << 20);
    FuseLoopAttacherOptions options;
    options.runtime_dir = runtime_dir_;
    attacher_ = std::make_unique<FuseLoopAttacher>(options);
  }

  void TearDown() override {
    if (mounted_) ::umount2(mount_dir_.c_str(), MNT_DETACH);
    for (const auto& state : ListAttachStates(runtime_dir_)) {
      if (AttachDaemonAlive(state.pid)) ::kill(state.pid, SIGKILL);
      testing::PollUntil([&] { return !AttachDaemonAlive(state.pid); }, 5s);
      auto backing = LoopBackingFile(state.device);
      if (backing.ok() && *backing == state.file) DetachLoop(state.device).IgnoreError();
      ::umount2(state.fuse_mount.c_str(), MNT_DETACH);
    }
  }

  std::string backend() const { return "file:" + image_; }

  void Mount(const std::string& device) {
    ASSERT_EQ(Shell("mount -t ext4 " + device + " " + mount_dir_), 0) << device;
    mounted_ = true;
  }
  void Unmount() {
    ASSERT_EQ(::umount(mount_dir_.c_str()), 0) << std::strerror(errno);
    mounted_ = false;
  }

  void WriteFiles() {
    std::ofstream(mount_dir_ + "/small.txt") << "hello from a curve volume\n";
    std::ofstream(mount_dir_ + "/big.bin", std::ios::binary) << RandomBytes(3 << 20, 7);
    std::filesystem::create_directories(mount_dir_ + "/dir/sub");
    std::ofstream(mount_dir_ + "/dir/sub/x") << "x";
    ASSERT_EQ(Shell("sync -f " + mount_dir_ + "/big.bin"), 0);
  }
  void ExpectFiles() {
    EXPECT_EQ(Slurp(mount_dir_ + "/small.txt"), "hello from a curve volume\n");
    EXPECT_TRUE(Slurp(mount_dir_ + "/big.bin") == RandomBytes(3 << 20, 7)) << "big.bin differs";
    EXPECT_EQ(Slurp(mount_dir_ + "/dir/sub/x"), "x");
  }

  testing::TempDir dir_;
  std::string runtime_dir_, mount_dir_, image_;
  std::unique_ptr<FuseLoopAttacher> attacher_;
  bool mounted_ = false;
};

TEST_F(AttachIntegrationTest, Ext4SurvivesUnmapAndRemap) {
  auto mapped = attacher_->Map("vol1", backend());
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(mapped->device.rfind("/dev/loop", 0), 0u) << mapped->device;
  EXPECT_TRUE(mapped->alive);
  EXPECT_TRUE(mapped->direct_io) << "the loop device fell back to buffered IO";
  EXPECT_EQ(*LoopBackingFile(mapped->device), runtime_dir_ + "/vol1/mnt/volume");

  // Idempotent: the same device and daemon.
  auto again = attacher_->Map("vol1", backend());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->device, mapped->device);
  EXPECT_EQ(again->pid, mapped->pid);
  EXPECT_EQ(attacher_->Map("vol1", "file:/other").status().code(), StatusCode::kFailedPrecondition);

  ASSERT_EQ(Shell("mkfs.ext4 -q -F " + mapped->device), 0);
  Mount(mapped->device);
  WriteFiles();
  EXPECT_EQ(attacher_->Unmap(mapped->device).code(), StatusCode::kFailedPrecondition);
  Unmount();

  ASSERT_TRUE(attacher_->Unmap(mapped->device).ok());
  EXPECT_TRUE(testing::PollUntil([&] { return !AttachDaemonAlive(mapped->pid); }, 5s));
  auto backing = LoopBackingFile(mapped->device);
  EXPECT_FALSE(backing.ok() && *backing == mapped->device) << "loop device still bound";
  EXPECT_TRUE(attacher_->ListMapped()->empty());

  auto remapped = attacher_->Map("vol1", backend());
  ASSERT_TRUE(remapped.ok()) << remapped.status();
  Mount(remapped->device);
  ExpectFiles();
  Unmount();
  ASSERT_TRUE(attacher_->Unmap("vol1").ok());  // by volume name
}

uint64_t DeviceBytes(const std::string& device) {
  std::ifstream in("/sys/block/" + device.substr(device.rfind('/') + 1) + "/size");
  uint64_t sectors = 0;
  in >> sectors;
  return sectors * 512;
}

// A grown volume: Refresh makes the daemon re-read the size and the loop device take it
// (LOOP_SET_CAPACITY) while ext4 stays mounted, and the new range is served. (Growing the file
// system online is the CSI node's job and needs CAP_SYS_RESOURCE for ext4.)
TEST_F(AttachIntegrationTest, RefreshServesTheGrownVolumeWhileMounted) {
  auto mapped = attacher_->Map("grow", backend());
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(mapped->size, uint64_t{64} << 20);
  ASSERT_EQ(Shell("mkfs.ext4 -q -F " + mapped->device), 0);
  Mount(mapped->device);
  WriteFiles();
  std::filesystem::resize_file(image_, 160 << 20);
  auto refreshed = attacher_->Refresh("grow");
  ASSERT_TRUE(refreshed.ok()) << refreshed.status();
  EXPECT_EQ(refreshed->device, mapped->device);
  EXPECT_EQ(refreshed->size, uint64_t{160} << 20);
  EXPECT_EQ(DeviceBytes(mapped->device), uint64_t{160} << 20);
  // The grown range is served while the file system stays mounted: 1 MiB at 128 MiB reaches the
  // image through FUSE and reads back through the device.
  std::string pattern = RandomBytes(1 << 20, 9);
  {
    std::fstream device(mapped->device, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(device.good());
    device.seekp(128 << 20);
    device.write(pattern.data(), static_cast<std::streamsize>(pattern.size()));
    device.flush();
    ASSERT_TRUE(device.good());
  }
  ASSERT_EQ(Shell("blockdev --flushbufs " + mapped->device), 0);
  std::ifstream image(image_, std::ios::binary);
  image.seekg(128 << 20);
  std::string stored(pattern.size(), '\0');
  image.read(stored.data(), static_cast<std::streamsize>(stored.size()));
  EXPECT_TRUE(stored == pattern) << "the write beyond the old end did not reach the image";
  ExpectFiles();
  Unmount();
  ASSERT_TRUE(attacher_->Unmap("grow").ok());
  EXPECT_EQ(attacher_->Refresh("grow").status().code(), StatusCode::kNotFound);
}

TEST_F(AttachIntegrationTest, KilledDaemonIsRecoveredByMap) {
  // Through the CLI binary, so the daemon must outlive the process that started it.
  std::string cli =
      (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "curve-attach").string();
  auto map = testing::Subprocess::Start(
      {cli, "map", "vol2", "--backend=" + backend(), "--runtime-dir=" + runtime_dir_});
  ASSERT_TRUE(map.ok()) << map.status();
  auto device = map->ReadLine(30s);
  ASSERT_TRUE(device.has_value());
  ASSERT_EQ(map->Wait(10s).value_or(-1), 0);
  auto list = attacher_->ListMapped();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].device, *device);
  EXPECT_TRUE((*list)[0].alive);
  pid_t pid = (*list)[0].pid;

  ASSERT_EQ(Shell("mkfs.ext4 -q -F " + *device), 0);
  Mount(*device);
  WriteFiles();
  Unmount();

  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_TRUE(testing::PollUntil([&] { return !AttachDaemonAlive(pid); }, 5s));
  list = attacher_->ListMapped();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_FALSE((*list)[0].alive);
  EXPECT_EQ(attacher_->Refresh("vol2").status().code(), StatusCode::kUnavailable);

  auto recovered = attacher_->Map("vol2", backend());
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_NE(recovered->pid, pid);
  EXPECT_TRUE(recovered->alive);
  Mount(recovered->device);
  ExpectFiles();
  Unmount();

  auto unmap = testing::Subprocess::Start(
      {cli, "unmap", recovered->device, "--runtime-dir=" + runtime_dir_});
  ASSERT_TRUE(unmap.ok());
  EXPECT_EQ(unmap->Wait(30s).value_or(-1), 0);
  EXPECT_TRUE(attacher_->ListMapped()->empty());
  // Nothing of the dead daemon is left mounted.
  EXPECT_EQ(Slurp("/proc/self/mountinfo").find(runtime_dir_), std::string::npos);
}

TEST_F(AttachIntegrationTest, UnmapOfUnknownDeviceOrVolumeIsClearError) {
  Status status = attacher_->Unmap("/dev/loop999");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find("/dev/loop999"), std::string::npos) << status;
  EXPECT_EQ(attacher_->Unmap("no-such-volume").code(), StatusCode::kNotFound);
  auto bad = attacher_->Map("vol3", "file:" + dir_.path() + "/absent");
  EXPECT_EQ(bad.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(bad.status().message().find("absent"), std::string::npos) << bad.status();
  EXPECT_TRUE(attacher_->ListMapped()->empty());
}

}  // namespace
}  // namespace curve::attach
