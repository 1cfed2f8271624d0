#include "services/attach/dev_cli.h"

#include <cstdio>

#include "services/attach/fuse_loop_attacher.h"

namespace curve::attach {
namespace {

constexpr const char* kUsage =
    "usage: curve-attach map VOLUME --backend=file:/path [--runtime-dir=DIR]\n"
    "       curve-attach unmap DEVICE|VOLUME [--runtime-dir=DIR]\n"
    "       curve-attach list [--runtime-dir=DIR]\n";

int Usage() {
  std::fputs(kUsage, stderr);
  return 2;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "curve-attach: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int RunDevCli(const std::vector<std::string>& args) {
  FuseLoopAttacherOptions options;
  std::string backend;
  std::vector<std::string> positional;
  for (const auto& arg : args) {
    if (arg.rfind("--runtime-dir=", 0) == 0) {
      options.runtime_dir = arg.substr(14);
    } else if (arg.rfind("--backend=", 0) == 0) {
      backend = arg.substr(10);
    } else if (arg.rfind("--", 0) == 0) {
      return Usage();
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.empty()) return Usage();
  FuseLoopAttacher attacher(options);
  const std::string& command = positional[0];
  if (command == "map" && positional.size() == 2 && !backend.empty()) {
    auto mapped = attacher.Map(positional[1], backend);
    if (!mapped.ok()) return Fail(mapped.status());
    std::printf("%s\n", mapped->device.c_str());
    return 0;
  }
  if (command == "unmap" && positional.size() == 2) {
    Status status = attacher.Unmap(positional[1]);
    return status.ok() ? 0 : Fail(status);
  }
  if (command == "list" && positional.size() == 1) {
    auto mapped = attacher.ListMapped();
    if (!mapped.ok()) return Fail(mapped.status());
    std::printf("%-24s %-12s %-8s %-6s %-9s %s\n", "VOLUME", "DEVICE", "PID", "ALIVE", "DIRECT_IO",
                "BACKEND");
    for (const auto& m : *mapped) {
      std::printf("%-24s %-12s %-8d %-6s %-9s %s\n", m.volume.c_str(), m.device.c_str(), m.pid,
                  m.alive ? "yes" : "no", m.direct_io ? "on" : "off", m.backend.c_str());
    }
    return 0;
  }
  return Usage();
}

}  // namespace curve::attach
