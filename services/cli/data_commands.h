#pragma once

// The data-path commands of `curve`: `chunkserver format`, `map`, `unmap`, `list-mapped` and
// `bench`, which work on disks, block devices and libcurve rather than on the MDS API alone.

#include <optional>
#include <ostream>

#include "common/config.h"

namespace curve::cli {

// Runs the command when it is one of the above and returns its exit code (0 ok, 1 error printed
// as "curve: CODE: message", 2 usage); nullopt for any other command.
std::optional<int> RunDataCommand(const config::CommandLine& command_line, std::ostream& out,
                                  std::ostream& err);

}  // namespace curve::cli
