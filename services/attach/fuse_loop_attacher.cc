#include "services/attach/fuse_loop_attacher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include "common/logging.h"
#include "services/attach/loop_device.h"

namespace curve::attach {
namespace {

using Clock = std::chrono::steady_clock;

// An exclusive flock held for the life of the object.
class FileLock {
 public:
  static Result<FileLock> Acquire(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return InternalError("open lock " + path + ": " + std::strerror(errno));
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return InternalError("lock " + path + ": " + std::strerror(err));
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

bool WaitUntilDead(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (AttachDaemonAlive(pid)) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

bool Healthy(const AttachState& state) {
  if (!AttachDaemonAlive(state.pid)) return false;
  auto backing = LoopBackingFile(state.device);
  return backing.ok() && *backing == state.file;
}

}  // namespace

MappedVolume ToMappedVolume(const AttachState& state) {
  MappedVolume mapped;
  mapped.volume = state.volume;
  mapped.device = state.device;
  mapped.backend = state.backend;
  mapped.pid = state.pid;
  mapped.alive = Healthy(state);
  mapped.direct_io = state.direct_io;
  mapped.log_file = state.log_file;
  mapped.size = state.size;
  return mapped;
}

FuseLoopAttacher::FuseLoopAttacher(FuseLoopAttacherOptions options)
    : options_([&] {
        std::error_code ec;
        std::filesystem::create_directories(options.runtime_dir, ec);
        auto canonical = std::filesystem::weakly_canonical(options.runtime_dir, ec);
        if (!ec) options.runtime_dir = canonical.string();
        return options;
      }()) {}

std::string FuseLoopAttacher::AttachdPath() const {
  if (!options_.attachd_path.empty()) return options_.attachd_path;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "curve-attachd").string();
}

Result<MappedVolume> FuseLoopAttacher::Map(const std::string& volume,
                                           const std::string& backend_spec) {
  auto logger = log::Get("attach");
  if (volume.empty()) return InvalidArgumentError("map: the volume name is empty");
  std::error_code ec;
  std::filesystem::create_directories(options_.runtime_dir, ec);
  if (ec) {
    return InternalError("map " + volume + ": cannot create " + options_.runtime_dir + ": " +
                         ec.message());
  }
  AttachPaths paths(options_.runtime_dir, volume);
  CURVE_ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(paths.lock_file()));
  auto state = ReadAttachState(paths.state_file());
  if (state.ok()) {
    if (Healthy(*state)) {
      if (state->backend != backend_spec) {
        return FailedPreconditionError("map " + volume + ": already mapped at " + state->device +
                                       " with backend " + state->backend + ", not " + backend_spec);
      }
      return ToMappedVolume(*state);
    }
    logger->warn("op=Map volume={} device={} pid={} msg=\"stale mapping, recovering\"", volume,
                 state->device, state->pid);
    CURVE_RETURN_IF_ERROR(StopAndClean(*state).WithContext("map " + volume));
  } else if (state.status().code() != StatusCode::kNotFound) {
    logger->warn("op=Map volume={} err=\"{}\" msg=\"ignoring unreadable record\"", volume,
                 state.status().ToString());
  }
  return StartDaemon(volume, backend_spec);
}

Result<MappedVolume> FuseLoopAttacher::StartDaemon(const std::string& volume,
                                                   const std::string& backend_spec) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return InternalError(std::string("pipe: ") + strerror(errno));
  std::string binary = AttachdPath();
  std::vector<std::string> args = {binary, "--volume=" + volume, "--backend=" + backend_spec,
                                   "--runtime-dir=" + options_.runtime_dir,
                                   "--ready-fd=" + std::to_string(fds[1])};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // Opened before the fork: the child only writes "0" (itself) to each.
  std::vector<int> cgroup_fds;
  auto close_cgroups = [&] {
    for (int fd : cgroup_fds) ::close(fd);
  };
  for (const auto& cgroup : options_.cgroups) {
    std::string procs = cgroup + "/cgroup.procs";
    int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      close_cgroups();
      ::close(fds[0]);
      ::close(fds[1]);
      return InternalError("map " + volume + ": open " + procs + ": " + strerror(err));
    }
    cgroup_fds.push_back(fd);
  }
  pid_t child = ::fork();
  if (child < 0) {
    close_cgroups();
    ::close(fds[0]);
    ::close(fds[1]);
    return InternalError(std::string("fork: ") + strerror(errno));
  }
  if (child == 0) {
    for (size_t i = 0; i < cgroup_fds.size(); ++i) {
      if (::write(cgroup_fds[i], "0", 1) == 1) continue;
      std::string message =
          "error cannot join cgroup " + options_.cgroups[i] + ": " + strerror(errno) + "\n";
      ssize_t ignored = ::write(fds[1], message.data(), message.size());
      (void)ignored;
      ::_exit(127);
    }
    ::fcntl(fds[1], F_SETFD, 0);  // the daemon inherits the write end only
    ::execv(binary.c_str(), argv.data());
    std::string message = "error cannot run " + binary + ": " + strerror(errno) + "\n";
    ssize_t ignored = ::write(fds[1], message.data(), message.size());
    (void)ignored;
    ::_exit(127);
  }
  close_cgroups();
  ::close(fds[1]);
  // The direct child exits as soon as the daemon has detached.
  int wait_status = 0;
  while (::waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
  }
  std::string line;
  auto deadline = Clock::now() + options_.start_timeout;
  char buffer[512];
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    struct pollfd pfd = {fds[0], POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    line.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  AttachPaths paths(options_.runtime_dir, volume);
  if (line.rfind("ready ", 0) == 0) {
    CURVE_ASSIGN_OR_RETURN(AttachState state, ReadAttachState(paths.state_file()));
    return ToMappedVolume(state);
  }
  if (line.rfind("error ", 0) == 0) {
    return UnavailableError("map " + volume +
                            ": curve-attachd failed: " + line.substr(6, line.find('\n') - 6) +
                            " (log " + paths.log_file() + ")");
  }
  auto state = ReadAttachState(paths.state_file());
  if (state.ok()) StopAndClean(*state).IgnoreError();
  return DeadlineExceededError("map " + volume + ": curve-attachd did not report ready within " +
                               std::to_string(options_.start_timeout.count()) + "ms (log " +
                               paths.log_file() + ")");
}

Status FuseLoopAttacher::StopAndClean(const AttachState& state) {
  auto logger = log::Get("attach");
  if (AttachDaemonAlive(state.pid)) {
    ::kill(state.pid, SIGTERM);
    if (!WaitUntilDead(state.pid, options_.stop_timeout)) {
      logger->warn("op=Unmap volume={} pid={} msg=\"daemon ignored SIGTERM, killing\"",
                   state.volume, state.pid);
      ::kill(state.pid, SIGKILL);
      if (!WaitUntilDead(state.pid, std::chrono::seconds(5))) {
        return DeadlineExceededError("daemon " + std::to_string(state.pid) + " of volume " +
                                     state.volume + " does not exit");
      }
    }
  }
  auto backing = LoopBackingFile(state.device);
  if (backing.ok() && *backing == state.file) {
    // A dead daemon's device can still carry a mounted file system; it cannot serve the volume
    // again, and the kernel frees it once that is unmounted.
    CURVE_RETURN_IF_ERROR(DetachLoop(state.device, /*wait=*/!LoopDeviceBusy(state.device)));
  }
  ::umount2(state.fuse_mount.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove(AttachPaths(options_.runtime_dir, state.volume).state_file(), ec);
  return Status::Ok();
}

Status FuseLoopAttacher::Unmap(const std::string& device_or_volume) {
  bool by_device = device_or_volume.rfind("/dev/", 0) == 0;
  std::optional<AttachState> found;
  for (auto& state : ListAttachStates(options_.runtime_dir)) {
    if ((by_device ? state.device : state.volume) == device_or_volume) found = state;
  }
  if (!found) {
    return NotFoundError("unmap " + device_or_volume + ": no volume is mapped " +
                         (by_device ? "at that device" : "with that name") + " (runtime dir " +
                         options_.runtime_dir + ")");
  }
  AttachPaths paths(options_.runtime_dir, found->volume);
  CURVE_ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(paths.lock_file()));
  auto state = ReadAttachState(paths.state_file());
  if (!state.ok()) {
    if (state.status().code() == StatusCode::kNotFound) {
      return NotFoundError("unmap " + device_or_volume + ": unmapped meanwhile");
    }
    return state.status();
  }
  if (Healthy(*state) && LoopDeviceBusy(state->device)) {
    return FailedPreconditionError("unmap " + device_or_volume + ": " + state->device +
                                   " is in use (mounted?); unmount it first");
  }
  CURVE_RETURN_IF_ERROR(StopAndClean(*state).WithContext("unmap " + device_or_volume));
  log::Get("attach")->info("op=Unmap volume={} device={}", state->volume, state->device);
  return Status::Ok();
}

Result<MappedVolume> FuseLoopAttacher::Refresh(const std::string& volume) {
  AttachPaths paths(options_.runtime_dir, volume);
  CURVE_ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(paths.lock_file()));
  auto state = ReadAttachState(paths.state_file());
  if (!state.ok()) {
    if (state.status().code() == StatusCode::kNotFound) {
      return NotFoundError("refresh " + volume + ": the volume is not mapped");
    }
    return state.status();
  }
  if (!Healthy(*state)) {
    return UnavailableError("refresh " + volume + ": the daemon (pid " +
                            std::to_string(state->pid) + ") serving " + state->device +
                            " is dead; map the volume again");
  }
  uint64_t before = state->refreshes;
  if (::kill(state->pid, SIGUSR1) != 0) {
    return InternalError("refresh " + volume + ": signal pid " + std::to_string(state->pid) + ": " +
                         std::strerror(errno));
  }
  auto deadline = Clock::now() + options_.start_timeout;
  while (Clock::now() < deadline) {
    auto now = ReadAttachState(paths.state_file());
    if (now.ok() && now->refreshes > before) {
      if (!now->refresh_error.empty()) {
        return InternalError("refresh " + volume + ": " + now->refresh_error + " (log " +
                             now->log_file + ")");
      }
      log::Get("attach")->info("op=Refresh volume={} device={} size={}", volume, now->device,
                               now->size);
      return ToMappedVolume(*now);
    }
    if (!AttachDaemonAlive(state->pid)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return DeadlineExceededError("refresh " + volume + ": curve-attachd (pid " +
                               std::to_string(state->pid) + ") did not report within " +
                               std::to_string(options_.start_timeout.count()) + "ms (log " +
                               paths.log_file() + ")");
}

Result<std::vector<MappedVolume>> FuseLoopAttacher::ListMapped() {
  std::vector<MappedVolume> mapped;
  for (const auto& state : ListAttachStates(options_.runtime_dir)) {
    mapped.push_back(ToMappedVolume(state));
  }
  return mapped;
}

}  // namespace curve::attach
