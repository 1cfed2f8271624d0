// curve-csi: the CSI driver for CurveBS volumes. Flags override keys of the --config YAML file:
//   curve-csi --mode=all --endpoint=unix:///csi/csi.sock --nodeid=$NODE --mds=a:6700,b:6700
// Prints "listening <endpoint>" on stdout once serving. See csi/README.md.
#include <iostream>

#include "common/config.h"
#include "common/logging.h"
#include "common/signals.h"
#include "csi/driver/driver.h"

int main(int argc, char** argv) {
  curve::BlockTerminationSignals();
  auto command_line = curve::config::ParseFlags(argc, argv);
  if (!command_line.ok()) {
    std::cerr << "curve-csi: " << command_line.status() << std::endl;
    return 2;
  }
  auto log_options = curve::log::OptionsFromEnvironment({});
  if (!log_options.ok()) {
    std::cerr << "curve-csi: " << log_options.status() << std::endl;
    return 2;
  }
  if (auto level = command_line->Flag("log-level")) log_options->level = *level;
  if (auto file = command_line->Flag("log-file")) log_options->file = *file;
  if (auto status = curve::log::Init(*log_options); !status.ok()) {
    std::cerr << "curve-csi: " << status << std::endl;
    return 2;
  }
  curve::csi::DriverOptions options;
  if (auto status = curve::config::LoadOptions(*command_line, {"log-level", "log-file"}, &options);
      !status.ok()) {
    std::cerr << "curve-csi: " << status << std::endl;
    return 2;
  }
  auto driver = curve::csi::Driver::Start(options);
  if (!driver.ok()) {
    std::cerr << "curve-csi: " << driver.status() << std::endl;
    return 1;
  }
  std::cout << "listening " << options.endpoint << std::endl;
  (*driver)->RunUntilSignal();
  return 0;
}
