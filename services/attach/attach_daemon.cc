#include "services/attach/attach_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "common/logging.h"
#include "services/attach/attach_state.h"
#include "services/attach/fuse_volume_server.h"
#include "services/attach/loop_device.h"
#include "services/attach/volume_backend.h"

namespace curve::attach {
namespace {

constexpr const char* kFuseConnections = "/sys/fs/fuse/connections";

void Report(int* ready_fd, const std::string& line) {
  if (*ready_fd < 0) return;
  std::string text = line + "\n";
  ssize_t ignored = ::write(*ready_fd, text.data(), text.size());
  (void)ignored;
  ::close(*ready_fd);
  *ready_fd = -1;
}

// Detaches from the caller's session; the caller (the first process) exits at once.
void Daemonize(const std::string& log_file) {
  if (::fork() > 0) ::_exit(0);
  ::setsid();
  if (::fork() > 0) ::_exit(0);
  ::umask(022);
  if (::chdir("/") != 0) ::_exit(1);
  int null_fd = ::open("/dev/null", O_RDWR);
  int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(null_fd, STDOUT_FILENO);
  ::dup2(log_fd >= 0 ? log_fd : null_fd, STDERR_FILENO);
  if (null_fd > STDERR_FILENO) ::close(null_fd);
  if (log_fd > STDERR_FILENO) ::close(log_fd);
}

// The fusectl directory of the FUSE file system mounted at `mount_dir` (named after its device
// number), or "" when it cannot be told.
std::string FuseConnectionOf(const std::string& mount_dir) {
  struct stat st {};
  if (::stat(mount_dir.c_str(), &st) != 0) return "";
  return std::string(kFuseConnections) + "/" + std::to_string(minor(st.st_dev));
}

// Fails every request still pending on the FUSE connection (fusectl's abort file), so IO the
// loop device queued there ends with an error instead of waiting for its server.
void AbortFuseConnection(const std::string& connection) {
  if (connection.empty()) return;
  if (::access(kFuseConnections, F_OK) == 0 && ::access(connection.c_str(), F_OK) != 0) {
    ::mount("fusectl", kFuseConnections, "fusectl", 0, nullptr);  // not mounted yet
  }
  int fd = ::open((connection + "/abort").c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t ignored = ::write(fd, "1", 1);
  (void)ignored;
  ::close(fd);
}

// Bounds the daemon's shutdown. Until Done(), a thread waits for stop_timeout; past it the
// shutdown is abandoned: it logs what was still waiting, aborts the FUSE connection (the loop
// device's queued IO fails, so the device can be released), waits briefly for the loop device
// to unbind, unmounts the FUSE file, removes the record and exits, with 1 unless Flushed() was
// called (data may be lost) and 0 otherwise (only the MDS session was left to expire).
class StopWatchdog {
 public:
  StopWatchdog(const AttachDaemonOptions& options, const AttachPaths& paths, std::string device,
               std::string fuse_connection)
      : options_(options),
        paths_(paths),
        device_(std::move(device)),
        fuse_connection_(std::move(fuse_connection)),
        thread_([this] { Watch(); }) {}
  ~StopWatchdog() { Done(); }

  void Enter(const char* phase) { phase_.store(phase); }
  void Flushed() { flushed_.store(true); }
  void Done() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Watch() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, options_.stop_timeout, [&] { return done_; })) return;
    }
    auto logger = log::Get("attach");
    bool flushed = flushed_.load();
    logger->error(
        "op=Detach volume={} device={} err=\"still {} after {} ms: the cluster (MDS or "
        "chunkservers) does not answer\" msg=\"giving up: {}\"",
        options_.volume, device_, phase_.load(), options_.stop_timeout.count(),
        flushed ? "the data is flushed; the MDS session is left to expire"
                : "IO still queued on the loop device fails and may be lost");
    AbortFuseConnection(fuse_connection_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (LoopBackingFile(device_).ok() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (LoopBackingFile(device_).ok()) {
      logger->error("op=Detach volume={} device={} err=\"the loop device is still bound\"",
                    options_.volume, device_);
    }
    ::umount2(paths_.mount_dir().c_str(), MNT_DETACH);
    std::error_code ec;
    std::filesystem::remove(paths_.state_file(), ec);
    logger->info("op=Detach volume={} result={}", options_.volume, flushed ? "ok" : "error");
    logger->flush();
    ::_exit(flushed ? 0 : 1);
  }

  const AttachDaemonOptions& options_;
  const AttachPaths& paths_;
  const std::string device_;
  const std::string fuse_connection_;
  std::atomic<const char*> phase_{"detaching the loop device"};
  std::atomic<bool> flushed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;   // guarded by mu_
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace

Result<AttachDaemonOptions> ParseAttachDaemonFlags(const std::vector<std::string>& args) {
  AttachDaemonOptions options;
  for (const auto& arg : args) {
    auto value = [&](std::string_view flag) -> std::optional<std::string> {
      if (arg.rfind(flag, 0) == 0 && arg.size() > flag.size() && arg[flag.size()] == '=') {
        return arg.substr(flag.size() + 1);
      }
      return std::nullopt;
    };
    auto number = [&](const std::string& text, auto* out) {
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
      return ec == std::errc() && ptr == text.data() + text.size();
    };
    if (auto v = value("--volume")) {
      options.volume = *v;
    } else if (auto v = value("--backend")) {
      options.backend = *v;
    } else if (auto v = value("--runtime-dir")) {
      options.runtime_dir = *v;
    } else if (arg == "--foreground") {
      options.foreground = true;
    } else if (auto v = value("--ready-fd")) {
      if (!number(*v, &options.ready_fd)) return InvalidArgumentError("--ready-fd: not a number");
    } else if (auto v = value("--stop-timeout-ms")) {
      int64_t ms = 0;
      if (!number(*v, &ms) || ms <= 0) {
        return InvalidArgumentError("--stop-timeout-ms: expected a positive number, got '" + *v +
                                    "'");
      }
      options.stop_timeout = std::chrono::milliseconds(ms);
    } else if (auto v = value("--block-size")) {
      if (!number(*v, &options.block_size) ||
          (options.block_size != 512 && options.block_size != 4096)) {
        return InvalidArgumentError("--block-size: expected 512 or 4096");
      }
    } else {
      return InvalidArgumentError("unknown flag '" + arg +
                                  "'; usage: curve-attachd --volume=NAME --backend=file:/path "
                                  "[--runtime-dir=DIR] [--foreground] [--ready-fd=N] "
                                  "[--stop-timeout-ms=N]");
    }
  }
  if (options.volume.empty() || options.backend.empty()) {
    return InvalidArgumentError("--volume and --backend are required");
  }
  return options;
}

int RunAttachDaemon(const AttachDaemonOptions& options) {
  AttachPaths paths(options.runtime_dir, options.volume);
  int ready_fd = options.ready_fd;
  std::error_code ec;
  // A mount left by a daemon that was killed answers ENOTCONN until it is unmounted.
  ::umount2(paths.mount_dir().c_str(), MNT_DETACH);
  std::filesystem::create_directories(paths.mount_dir(), ec);
  if (ec) {
    Report(&ready_fd, "error cannot create " + paths.mount_dir() + ": " + ec.message());
    return 1;
  }
  if (!options.foreground) Daemonize(paths.log_file());
  log::LogOptions log_options;
  log_options.file = options.foreground ? "" : paths.log_file();
  if (!log::Init(log_options).ok()) log::Init(log::LogOptions{}).IgnoreError();
  auto logger = log::Get("attach");

  // Signals are taken synchronously by this thread; every thread started later inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto fail = [&](const Status& status) {
    logger->error("op=Attach volume={} err=\"{}\"", options.volume, status.ToString());
    Report(&ready_fd, "error " + status.ToString());
    return 1;
  };
  auto backend = OpenVolumeBackend(options.backend);
  if (!backend.ok()) return fail(backend.status());
  FuseVolumeServerOptions fuse_options;
  fuse_options.fs_name = "curve-attach:" + AttachPaths::Escape(options.volume);
  fuse_options.max_threads = options.fuse_threads;
  auto server = FuseVolumeServer::Start(backend->get(), paths.mount_dir(), fuse_options);
  if (!server.ok()) return fail(server.status());
  std::string fuse_connection = FuseConnectionOf(paths.mount_dir());
  auto loop = AttachLoop((*server)->file_path(), options.block_size, /*direct_io=*/true);
  if (!loop.ok()) {
    (*server)->Stop();
    return fail(loop.status());
  }
  AttachState state;
  state.volume = options.volume;
  state.backend = options.backend;
  state.pid = ::getpid();
  state.fuse_mount = paths.mount_dir();
  state.file = (*server)->file_path();
  state.device = loop->device;
  state.direct_io = loop->direct_io;
  state.log_file = options.foreground ? "" : paths.log_file();
  state.size = (*backend)->Size();
  Status written = WriteAttachState(paths.state_file(), state);
  if (!written.ok()) {
    DetachLoop(loop->device).IgnoreError();
    (*server)->Stop();
    return fail(written);
  }
  logger->info("op=Attach volume={} backend={} device={} direct_io={} size={}", options.volume,
               options.backend, loop->device, loop->direct_io, (*backend)->Size());
  if (!loop->direct_io) {
    logger->warn("op=Attach volume={} msg=\"kernel refused direct IO on the loop device\"",
                 options.volume);
  }
  Report(&ready_fd, "ready " + loop->device);

  int signal = 0;
  while (sigwait(&signals, &signal) == 0 && signal == SIGUSR1) {
    Result<uint64_t> size = (*server)->RefreshSize();
    if (size.ok()) size = RefreshLoopCapacity(loop->device);
    state.refreshes++;
    state.refresh_error = size.ok() ? "" : size.status().ToString();
    if (size.ok()) state.size = *size;
    logger->info("op=Refresh volume={} device={} size={} err=\"{}\"", options.volume, loop->device,
                 state.size, state.refresh_error);
    Status saved = WriteAttachState(paths.state_file(), state);
    if (!saved.ok()) {
      logger->error("op=Refresh volume={} err=\"{}\"", options.volume, saved.ToString());
    }
  }
  logger->info("op=Detach volume={} device={} signal={}", options.volume, loop->device, signal);
  // Everything below may wait for the cluster (IO still queued on the loop device, closing the
  // MDS session); the watchdog ends the process when that takes longer than stop_timeout.
  StopWatchdog watchdog(options, paths, loop->device, fuse_connection);
  int code = 0;
  Status detached = DetachLoop(loop->device);
  if (!detached.ok()) {
    logger->error("op=Detach volume={} err=\"{}\"", options.volume, detached.ToString());
    code = 1;
  }
  watchdog.Enter("flushing the volume");
  Status flushed = (*backend)->Flush();
  if (!flushed.ok()) {
    logger->error("op=Detach volume={} err=\"{}\"", options.volume, flushed.ToString());
    code = 1;
  }
  if (code == 0) watchdog.Flushed();
  watchdog.Enter("stopping the FUSE server");
  server->reset();
  watchdog.Enter("closing the volume");
  backend->reset();
  watchdog.Done();
  std::filesystem::remove(paths.state_file(), ec);
  logger->info("op=Detach volume={} result={}", options.volume, code == 0 ? "ok" : "error");
  return code;
}

}  // namespace curve::attach
