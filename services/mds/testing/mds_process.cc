#include "services/mds/testing/mds_process.h"

#include <unistd.h>

#include <csignal>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace curve::mds::testing {
namespace {

std::string Millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  return text.size() > 1500 ? text.substr(text.size() - 1500) : text;
}

}  // namespace

Result<std::unique_ptr<MdsProcess>> MdsProcess::Start(const MdsProcessOptions& options) {
  std::vector<std::string> argv = {options.binary,
                                   "--listen=127.0.0.1:0",
                                   "--metricsListen=127.0.0.1:0",
                                   "--etcd.endpoints=" + options.etcd_endpoint,
                                   "--electionTtl=" + Millis(options.election_ttl),
                                   "--tickInterval=" + Millis(options.tick_interval),
                                   "--topology.poolSettle=0"};
  argv.insert(argv.end(), options.extra_flags.begin(), options.extra_flags.end());
  CURVE_ASSIGN_OR_RETURN(auto process, curve::testing::Subprocess::Start(argv, options.log_path));
  auto line = process.ReadLine(std::chrono::seconds(20));
  if (!line.has_value() || line->rfind("listening ", 0) != 0) {
    process.Kill(SIGKILL);
    return UnavailableError("curve-mds did not start: " + line.value_or("") + " " +
                            Tail(options.log_path));
  }
  std::string address = line->substr(10);
  return std::unique_ptr<MdsProcess>(new MdsProcess(std::move(process), std::move(address)));
}

std::string FindMdsBinary(const std::string& fallback) {
  if (const char* env = std::getenv("CURVE_MDS_BIN"); env && *env) return env;
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string path(self, static_cast<size_t>(n));
    std::string sibling = path.substr(0, path.rfind('/') + 1) + "curve-mds";
    if (access(sibling.c_str(), X_OK) == 0) return sibling;
  }
  return fallback;
}

}  // namespace curve::mds::testing
