// `curve map` end to end on a LocalCluster: ext4 on a mapped volume survives unmap/map and a
// kill -9 of the attach daemon. Needs root, /dev/fuse and loop devices (skipped otherwise).
// Every mount and mapping it makes is undone by path in TearDown, also after a failure.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/testing/subprocess.h"
#include "tests/cluster/local_cluster.h"

namespace curve::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;

std::string SelfDir() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
}

struct Ran {
  int exit_code = -1;
  std::string out;  // stdout
};

// Runs argv[0] (an absolute path) to completion within `timeout`; stderr goes to `log`.
Ran RunCommand(const std::vector<std::string>& argv, const std::string& log,
               std::chrono::seconds timeout = std::chrono::seconds(60)) {
  Ran ran;
  auto process = Subprocess::Start(argv, log);
  if (!process.ok()) return ran;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (auto line = process->ReadLine(std::chrono::duration_cast<std::chrono::milliseconds>(
             deadline - std::chrono::steady_clock::now()))) {
    ran.out += *line + "\n";
  }
  auto status = process->Wait(std::chrono::seconds(5));
  if (!status.has_value()) {
    process->Kill(SIGKILL);
    return ran;
  }
  ran.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  return ran;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CurveMapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) != 0 ||
        access("/usr/sbin/mkfs.ext4", X_OK) != 0) {
      GTEST_SKIP() << "needs root, /dev/fuse and mkfs.ext4";
    }
    LocalClusterOptions options;
    options.chunks_per_disk = 160;  // 128 MiB volume on 1 MiB chunks, 3 replicas over 3 disks
    auto cluster = LocalCluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(cluster).value();
    volume_ = "/maptest-" + std::to_string(getpid());
    ASSERT_TRUE(cluster_->CreateVolume("root", volume_, 128 * kMiB).ok());
    mnt_ = cluster_->dir() + "/mnt";
    std::filesystem::create_directories(mnt_);
    log_ = cluster_->dir() + "/commands.log";
  }

  void TearDown() override {
    if (!cluster_) return;
    if (mounted_) umount2(mnt_.c_str(), MNT_DETACH);
    // Also after a failed map: a daemon may have started before the failure.
    Curve({"unmap", volume_});
    std::error_code ignored;
    std::filesystem::remove_all("/run/curve/attach/" + volume_.substr(1), ignored);
    std::filesystem::remove("/run/curve/attach/" + volume_.substr(1) + ".lock", ignored);
  }

  Ran Curve(std::vector<std::string> args) {
    std::vector<std::string> argv = {SelfDir() + "/curve", "--mds", cluster_->mds_addresses()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, log_);
  }

  // Maps the volume; returns the device.
  std::string Map() {
    Ran ran = Curve({"map", volume_});
    EXPECT_EQ(ran.exit_code, 0) << ReadAll(log_);
    mapped_ = ran.exit_code == 0;
    std::string device = Trim(ran.out);
    EXPECT_EQ(device.rfind("/dev/loop", 0), 0u) << device;
    return device;
  }

  void Mount(const std::string& device) {
    ASSERT_EQ(RunCommand({"/usr/bin/mount", device, mnt_}, log_).exit_code, 0) << ReadAll(log_);
    mounted_ = true;
  }

  void Unmount() {
    ASSERT_EQ(RunCommand({"/usr/bin/umount", mnt_}, log_).exit_code, 0) << ReadAll(log_);
    mounted_ = false;
  }

  void WriteFiles() {
    for (int i = 0; i < 8; ++i) {
      std::ofstream out(mnt_ + "/file" + std::to_string(i), std::ios::binary);
      out << Content(i);
    }
    sync();
  }

  void ExpectFiles() {
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(ReadAll(mnt_ + "/file" + std::to_string(i)), Content(i)) << "file" << i;
    }
  }

  static std::string Content(int i) {
    std::string text;
    for (int line = 0; line < 20000 * (i + 1); ++line) {
      text += "file " + std::to_string(i) + " line " + std::to_string(line) + "\n";
    }
    return text;
  }

  std::unique_ptr<LocalCluster> cluster_;
  std::string volume_, mnt_, log_;
  bool mounted_ = false;
  bool mapped_ = false;
};

TEST_F(CurveMapTest, Ext4SurvivesUnmapMapAndAKilledAttachDaemon) {
  std::string device = Map();
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(RunCommand({"/usr/sbin/mkfs.ext4", "-q", "-F", device}, log_, std::chrono::seconds(90))
                .exit_code,
            0)
      << ReadAll(log_);
  Mount(device);
  WriteFiles();
  Unmount();
  ASSERT_EQ(Curve({"unmap", volume_}).exit_code, 0) << ReadAll(log_);
  mapped_ = false;
  EXPECT_EQ(Curve({"list-mapped"}).out.find(volume_), std::string::npos);

  device = Map();
  ASSERT_FALSE(HasFailure());
  Mount(device);
  ExpectFiles();
  Unmount();

  // kill -9 the attach daemon; mapping again recovers the stale mapping.
  Ran listed = Curve({"list-mapped", "--output", "json"});
  size_t at = listed.out.find("\"volume\":\"" + volume_ + "\"");
  ASSERT_NE(at, std::string::npos) << listed.out;
  size_t pid_at = listed.out.find("\"pid\":", at);
  ASSERT_NE(pid_at, std::string::npos) << listed.out;
  pid_t daemon = std::stoi(listed.out.substr(pid_at + 6));
  ASSERT_GT(daemon, 1);
  ASSERT_EQ(kill(daemon, SIGKILL), 0);
  // Gone, or a zombie its (non-test) parent has not reaped yet.
  ASSERT_TRUE(PollUntil(
      [&] {
        std::string stat = ReadAll("/proc/" + std::to_string(daemon) + "/stat");
        return stat.empty() || stat.find(") Z") != std::string::npos;
      },
      std::chrono::seconds(10)));
  // The dead daemon's MDS session holds the volume until its lease (10 s) expires; until then
  // map is refused naming the holder.
  Ran mapped;
  ASSERT_TRUE(PollUntil(
      [&] {
        mapped = Curve({"map", volume_});
        return mapped.exit_code == 0;
      },
      std::chrono::seconds(45)))
      << ReadAll(log_);
  mapped_ = true;
  device = Trim(mapped.out);
  ASSERT_EQ(device.rfind("/dev/loop", 0), 0u) << device;
  Mount(device);
  ExpectFiles();
  Unmount();
  ASSERT_EQ(Curve({"unmap", volume_}).exit_code, 0) << ReadAll(log_);
  mapped_ = false;
}

}  // namespace
}  // namespace curve::testing
