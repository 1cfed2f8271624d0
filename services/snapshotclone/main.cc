// curve-snapshotclone: the CurveBS snapshot and clone service (upstream's HTTP API). Flags
// override keys of the --config YAML file, e.g.
//   curve-snapshotclone --config=/etc/curve/snapshotclone.conf --listen=10.0.0.1:5555
// S3 credentials come from S3_ACCESS_KEY / S3_SECRET_KEY. Prints "listening <address>" on
// stdout once serving.
#include <iostream>

#include "common/config.h"
#include "common/logging.h"
#include "common/signals.h"
#include "services/snapshotclone/snapshotclone_server.h"

int main(int argc, char** argv) {
  curve::BlockTerminationSignals();
  auto command_line = curve::config::ParseFlags(argc, argv);
  if (!command_line.ok()) {
    std::cerr << "curve-snapshotclone: " << command_line.status() << std::endl;
    return 2;
  }
  auto log_options = curve::log::OptionsFromEnvironment({});
  if (!log_options.ok()) {
    std::cerr << "curve-snapshotclone: " << log_options.status() << std::endl;
    return 2;
  }
  if (auto level = command_line->Flag("log-level")) log_options->level = *level;
  if (auto file = command_line->Flag("log-file")) log_options->file = *file;
  if (auto status = curve::log::Init(*log_options); !status.ok()) {
    std::cerr << "curve-snapshotclone: " << status << std::endl;
    return 2;
  }
  curve::snapshotclone::SnapshotCloneOptions options;
  if (auto status = curve::config::LoadOptions(*command_line, {"log-level", "log-file"}, &options);
      !status.ok()) {
    std::cerr << "curve-snapshotclone: " << status << std::endl;
    return 2;
  }
  if (auto status = options.LoadCredentials(); !status.ok()) {
    std::cerr << "curve-snapshotclone: " << status << std::endl;
    return 2;
  }
  auto server = curve::snapshotclone::SnapshotCloneServer::Start(options);
  if (!server.ok()) {
    std::cerr << "curve-snapshotclone: " << server.status() << std::endl;
    return 1;
  }
  std::cout << "listening " << (*server)->address() << std::endl;
  (*server)->RunUntilSignal();
  return 0;
}
