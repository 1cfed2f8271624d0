// curve-attachd: serves one volume as a loop device (see attach_daemon.h).
#include <cstdio>
#include <string>
#include <vector>

#include "services/attach/attach_daemon.h"
#include "services/client/curve_volume_backend.h"

int main(int argc, char** argv) {
  curve::client::RegisterCurveVolumeBackend();
  auto options =
      curve::attach::ParseAttachDaemonFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::fprintf(stderr, "curve-attachd: %s\n", options.status().ToString().c_str());
    return 2;
  }
  return curve::attach::RunAttachDaemon(*options);
}
