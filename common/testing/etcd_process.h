#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/testing/subprocess.h"

namespace curve::testing {

// A real etcd server for tests: Debian's `etcd` (or $CURVE_ETCD_BIN, or `binary`) on free loopback
// ports with a temporary data dir, removed on destruction. Its log goes to <data dir>/../etcd.log.
class EtcdProcess {
 public:
  // Starts etcd and waits until it answers requests (up to 20 s). `binary` empty: the default
  // above; `extra_flags` are appended to its command line.
  static Result<std::unique_ptr<EtcdProcess>> Start(std::string binary = "",
                                                    std::vector<std::string> extra_flags = {});
  ~EtcdProcess();

  // "127.0.0.1:<client port>".
  std::string endpoint() const;

  // Stops the server with `signal` (SIGTERM lets it shut down cleanly, SIGKILL does not).
  void Stop(int signal);
  // Starts it again on the same ports and data, waiting until it serves.
  Status Restart();

 private:
  EtcdProcess() = default;
  Status Launch();

  TempDir dir_;
  std::string binary_;
  std::vector<std::string> extra_flags_;
  std::string data_dir_;
  int client_port_ = 0;
  int peer_port_ = 0;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace curve::testing
