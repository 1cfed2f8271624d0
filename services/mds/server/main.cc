// curve-mds: the CurveBS metadata server. Flags override keys of the --config YAML file, e.g.
//   curve-mds --config=/etc/curve/mds.yaml --listen=0.0.0.0:6700 --etcd.endpoints=a:2379,b:2379
// Prints "listening <address>" on stdout once serving.
#include <iostream>

#include "common/config.h"
#include "common/logging.h"
#include "common/signals.h"
#include "services/mds/server/mds_server.h"

int main(int argc, char** argv) {
  curve::BlockTerminationSignals();
  auto command_line = curve::config::ParseFlags(argc, argv);
  if (!command_line.ok()) {
    std::cerr << "curve-mds: " << command_line.status() << std::endl;
    return 2;
  }
  auto log_options = curve::log::OptionsFromEnvironment({});
  if (!log_options.ok()) {
    std::cerr << "curve-mds: " << log_options.status() << std::endl;
    return 2;
  }
  if (auto level = command_line->Flag("log-level")) log_options->level = *level;
  if (auto file = command_line->Flag("log-file")) log_options->file = *file;
  if (auto status = curve::log::Init(*log_options); !status.ok()) {
    std::cerr << "curve-mds: " << status << std::endl;
    return 2;
  }
  curve::mds::MdsOptions options;
  if (auto status = curve::config::LoadOptions(*command_line, {"log-level", "log-file"}, &options);
      !status.ok()) {
    std::cerr << "curve-mds: " << status << std::endl;
    return 2;
  }
  auto server = curve::mds::MdsServer::Start(options);
  if (!server.ok()) {
    std::cerr << "curve-mds: " << server.status() << std::endl;
    return 1;
  }
  std::cout << "listening " << (*server)->address() << std::endl;
  (*server)->RunUntilSignal();
  return 0;
}
