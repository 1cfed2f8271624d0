// curve: the admin CLI of CurveBS. See `curve --help`.
#include <iostream>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/logging.h"
#include "services/cli/commands.h"
#include "services/cli/data_commands.h"

int main(int argc, char** argv) {
  // Short and boolean flags are rewritten into the --name=value form ParseCommandLine expects.
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-o") arg = "--output";
    if (arg == "-f") arg = "--file";
    if (arg == "-h") arg = "--help";
    if (arg == "--purge" || arg == "--dry-run" || arg == "--help") arg += "=true";
    args.push_back(arg);
  }
  std::vector<const char*> raw;
  for (const auto& a : args) raw.push_back(a.c_str());
  auto command_line = curve::config::ParseCommandLine(static_cast<int>(raw.size()), raw.data());
  if (!command_line.ok()) {
    std::cerr << "curve: " << command_line.status() << std::endl;
    return 2;
  }
  curve::log::LogOptions log_options;
  log_options.level = "warn";
  (void)curve::log::Init(log_options);
  if (auto code = curve::cli::RunDataCommand(*command_line, std::cout, std::cerr)) return *code;
  return curve::cli::RunCommand(*command_line, std::cout, std::cerr);
}
