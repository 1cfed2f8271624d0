#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace curve::testing {

// A child process for multi-process tests. Its stdout is readable line by line; stderr goes to
// `stderr_path` (or is inherited when empty). The destructor kills it (SIGKILL) if still running.
class Subprocess {
 public:
  static Result<Subprocess> Start(const std::vector<std::string>& argv,
                                  const std::string& stderr_path = "");
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  ~Subprocess();

  pid_t pid() const { return pid_; }

  // The next line of stdout without its newline; nullopt at EOF or after the timeout.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);

  // Sends `signal` and waits for the exit; returns the wait status. Idempotent.
  int Kill(int signal);
  // Waits up to `timeout` for the process to exit on its own; returns its wait status.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool running();

 private:
  Subprocess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  std::optional<int> exit_status_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int PickFreePort();

// A fresh directory under $TMPDIR, removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sleeps one polling interval (20ms).
void SleepForPoll();

// Polls `condition` every 20ms until it holds or `timeout` passes; returns whether it held.
template <typename F>
bool PollUntil(F&& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    SleepForPoll();
  }
}

}  // namespace curve::testing
