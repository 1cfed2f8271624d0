#pragma once

// curve-attach: a development CLI over FuseLoopAttacher until `curve map` lives in services/cli.
//   curve-attach map VOLUME --backend=file:/path [--runtime-dir=DIR]   prints the device
//   curve-attach unmap DEVICE|VOLUME [--runtime-dir=DIR]
//   curve-attach list [--runtime-dir=DIR]

#include <string>
#include <vector>

namespace curve::attach {

// Runs one command; returns the exit code (0 ok, 1 failed, 2 usage).
int RunDevCli(const std::vector<std::string>& args);

}  // namespace curve::attach
