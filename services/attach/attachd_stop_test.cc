// curve-attachd's shutdown after its cluster is gone: two daemons serve curve volumes of a
// LocalCluster (etcd, 3 MDS, 3 chunkservers), the whole cluster is killed, and SIGTERM must still
// end each within its --stop-timeout-ms with the loop device unbound and the record removed:
// exit 0 for the idle one (only closing the MDS session hangs), exit 1 for the one whose write
// was still queued (that write fails). Needs root, /dev/fuse and loop devices; skips otherwise.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>

#include "common/testing/subprocess.h"
#include "services/attach/attach_state.h"
#include "services/attach/loop_device.h"
#include "tests/cluster/local_cluster.h"

namespace curve::attach {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr uint64_t kMiB = 1 << 20;
constexpr auto kStopTimeout = 3s;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// One aligned 1 MiB direct write (and fdatasync) at `offset` of `device`.
bool WriteBlock(const std::string& device, uint64_t offset) {
  void* buffer = std::aligned_alloc(4096, kMiB);
  std::memset(buffer, 0x5a, kMiB);
  int fd = ::open(device.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  bool ok = fd >= 0 &&
            ::pwrite(fd, buffer, kMiB, static_cast<off_t>(offset)) == static_cast<ssize_t>(kMiB) &&
            ::fdatasync(fd) == 0;
  if (fd >= 0) ::close(fd);
  std::free(buffer);
  return ok;
}

struct Daemon {
  std::string volume;
  std::string device;
  std::unique_ptr<testing::Subprocess> process;
};

class AttachdStopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0 || ::access("/dev/fuse", R_OK | W_OK) != 0 ||
        ::access("/dev/loop-control", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root, /dev/fuse and /dev/loop-control";
    }
    auto cluster = testing::LocalCluster::Start(testing::LocalClusterOptions{});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(cluster).value();
    runtime_dir_ = dir_.path() + "/attach";
    std::filesystem::create_directories(runtime_dir_);
  }

  void TearDown() override {
    for (auto& daemon : daemons_) {
      if (daemon.process && daemon.process->running()) daemon.process->Kill(SIGKILL);
      auto backing = LoopBackingFile(daemon.device);
      if (backing.ok() && *backing == FileOf(daemon)) {
        DetachLoop(daemon.device, /*wait=*/false).IgnoreError();
      }
      ::umount2(AttachPaths(runtime_dir_, daemon.volume).mount_dir().c_str(), MNT_DETACH);
    }
  }

  // The FUSE file the daemon's loop device is bound to.
  std::string FileOf(const Daemon& daemon) const {
    return AttachPaths(runtime_dir_, daemon.volume).mount_dir() + "/volume";
  }
  std::string LogOf(const std::string& volume) const { return dir_.path() + "/" + volume + ".log"; }

  // Creates a 64 MiB volume and serves it by a curve-attachd in the foreground; returns its index
  // in daemons_, or -1 after recording a failure.
  int Serve(const std::string& volume) {
    Status created = cluster_->CreateVolume("root", "/" + volume, 64 * kMiB);
    if (!created.ok()) {
      ADD_FAILURE() << created;
      return -1;
    }
    std::string bin = std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
    auto process = testing::Subprocess::Start(
        {bin + "/curve-attachd", "--foreground", "--volume=" + volume,
         "--backend=curve:/" + volume + "?user=root&mds=" + cluster_->mds_addresses(),
         "--runtime-dir=" + runtime_dir_, "--ready-fd=1",
         "--stop-timeout-ms=" + std::to_string(std::chrono::milliseconds(kStopTimeout).count())},
        LogOf(volume));
    if (!process.ok()) {
      ADD_FAILURE() << process.status();
      return -1;
    }
    Daemon daemon{volume, "", std::make_unique<testing::Subprocess>(std::move(process).value())};
    auto line = daemon.process->ReadLine(30s);
    daemons_.push_back(std::move(daemon));
    if (!line || line->rfind("ready /dev/loop", 0) != 0) {
      ADD_FAILURE() << "curve-attachd for " << volume << " answered '" << line.value_or("")
                    << "': " << ReadAll(LogOf(volume));
      return -1;
    }
    daemons_.back().device = line->substr(6);
    return static_cast<int>(daemons_.size()) - 1;
  }

  // Expects the daemon gone within the stop timeout (and a margin), its loop device unbound and
  // its record removed; returns its exit code, or -1.
  int ExpectStopped(Daemon& daemon, Clock::time_point signalled) {
    auto status = daemon.process->Wait(kStopTimeout + 6s);
    if (!status) {
      ADD_FAILURE()
          << "curve-attachd of " << daemon.volume << " still runs "
          << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - signalled).count()
          << " s after SIGTERM: " << ReadAll(LogOf(daemon.volume));
      return -1;
    }
    auto backing = LoopBackingFile(daemon.device);
    EXPECT_FALSE(backing.ok() && *backing == FileOf(daemon))
        << daemon.device << " still serves " << daemon.volume;
    EXPECT_FALSE(std::filesystem::exists(AttachPaths(runtime_dir_, daemon.volume).state_file()));
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::LocalCluster> cluster_;
  std::string runtime_dir_;
  std::vector<Daemon> daemons_;
};

TEST_F(AttachdStopTest, SigtermEndsTheDaemonWhenTheClusterIsGone) {
  int idle = Serve("idle");
  int busy = Serve("busy");
  ASSERT_TRUE(idle >= 0 && busy >= 0);
  ASSERT_TRUE(WriteBlock(daemons_[idle].device, 0));
  ASSERT_TRUE(WriteBlock(daemons_[busy].device, 0));

  cluster_.reset();  // etcd, every MDS and every chunkserver killed
  // A write to a segment never allocated waits for the MDS.
  auto pending = std::async(std::launch::async, [device = daemons_[busy].device] {
    return WriteBlock(device, 32 * kMiB);
  });
  ASSERT_EQ(pending.wait_for(2s), std::future_status::timeout)
      << "the write did not wait for the cluster";

  auto signalled = Clock::now();
  ASSERT_EQ(::kill(daemons_[idle].process->pid(), SIGTERM), 0);
  ASSERT_EQ(::kill(daemons_[busy].process->pid(), SIGTERM), 0);
  EXPECT_EQ(ExpectStopped(daemons_[idle], signalled), 0) << ReadAll(LogOf("idle"));
  EXPECT_EQ(ExpectStopped(daemons_[busy], signalled), 1) << ReadAll(LogOf("busy"));
  EXPECT_EQ(pending.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(pending.get()) << "the queued write must fail, not succeed";
  std::string log = ReadAll(LogOf("busy"));
  EXPECT_NE(log.find("giving up"), std::string::npos) << log;
  EXPECT_NE(log.find("may be lost"), std::string::npos) << log;
}

}  // namespace
}  // namespace curve::attach
