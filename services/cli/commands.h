#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "common/config.h"

namespace curve::cli {

// Runs one `curve` command line (after flag parsing) and returns the process exit code:
// 0 success, 1 an error from the MDS or input (printed to `err` as "curve: CODE: message"),
// 2 a usage error.
int RunCommand(const config::CommandLine& command_line, std::ostream& out, std::ostream& err);

}  // namespace curve::cli
