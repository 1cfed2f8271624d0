// curve-chunkserver: one per disk. Flags override keys of the --config YAML file, e.g.
//   curve-chunkserver --dataDir=/data/disk1 --listen=10.0.0.5:8200 --mds.addresses=a:6700,b:6700
// The data dir must be formatted first (`curve chunkserver format`). Prints
// "READY id=<id> address=<host:port>" on stdout once serving.
#include <iostream>

#include "common/config.h"
#include "common/logging.h"
#include "common/signals.h"
#include "services/chunkserver/server/chunk_server.h"

int main(int argc, char** argv) {
  curve::BlockTerminationSignals();
  auto command_line = curve::config::ParseFlags(argc, argv);
  if (!command_line.ok()) {
    std::cerr << "curve-chunkserver: " << command_line.status() << std::endl;
    return 2;
  }
  auto log_options = curve::log::OptionsFromEnvironment({});
  if (!log_options.ok()) {
    std::cerr << "curve-chunkserver: " << log_options.status() << std::endl;
    return 2;
  }
  if (auto level = command_line->Flag("log-level")) log_options->level = *level;
  if (auto file = command_line->Flag("log-file")) log_options->file = *file;
  if (auto status = curve::log::Init(*log_options); !status.ok()) {
    std::cerr << "curve-chunkserver: " << status << std::endl;
    return 2;
  }
  curve::chunkserver::ChunkServerOptions options;
  if (auto status = curve::config::LoadOptions(*command_line, {"log-level", "log-file"}, &options);
      !status.ok()) {
    std::cerr << "curve-chunkserver: " << status << std::endl;
    return 2;
  }
  auto server = curve::chunkserver::ChunkServer::Start(options);
  if (!server.ok()) {
    std::cerr << "curve-chunkserver: " << server.status() << std::endl;
    return 1;
  }
  std::cout << "READY id=" << (*server)->id() << " address=" << (*server)->address() << std::endl;
  (*server)->RunUntilSignal();
  return 0;
}
