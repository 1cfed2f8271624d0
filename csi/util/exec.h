#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace curve::csi {

struct CommandResult {
  int exit_code = 0;   // -1 when killed by a signal
  std::string output;  // stdout and stderr interleaved
};

// Runs a program (argv[0] looked up in PATH, no shell) to completion; fails only when it
// cannot be started or exceeds `timeout` (then it is killed: DEADLINE_EXCEEDED). Thread-safe.
Result<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout = std::chrono::minutes(2));

// RunCommand that also fails (INTERNAL, naming the command line and its output) on a non-zero
// exit; returns the output.
Result<std::string> RunChecked(const std::vector<std::string>& argv,
                               std::chrono::milliseconds timeout = std::chrono::minutes(2));

// "mount -t ext4 /dev/loop0 /x" for messages.
std::string JoinCommand(const std::vector<std::string>& argv);

}  // namespace curve::csi
