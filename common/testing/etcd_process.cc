#include "common/testing/etcd_process.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/etcd/etcd_client.h"

namespace curve::testing {
namespace {

// The end of a log file, for error messages (the file vanishes with the temp dir).
std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  return text.size() > 1500 ? text.substr(text.size() - 1500) : text;
}

// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool Accepting(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool accepted = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return accepted;
}

}  // namespace

Result<std::unique_ptr<EtcdProcess>> EtcdProcess::Start(std::string binary,
                                                        std::vector<std::string> extra_flags) {
  std::unique_ptr<EtcdProcess> etcd(new EtcdProcess());
  if (binary.empty()) {
    const char* env = std::getenv("CURVE_ETCD_BIN");
    binary = env && *env ? env : "/usr/bin/etcd";
  }
  etcd->binary_ = std::move(binary);
  etcd->extra_flags_ = std::move(extra_flags);
  // A port picked free may be taken by the time etcd binds it: try a few pairs.
  Status status;
  for (int attempt = 0; attempt < 3; ++attempt) {
    etcd->client_port_ = PickFreePort();
    etcd->peer_port_ = PickFreePort();
    etcd->data_dir_ = etcd->dir_.path() + "/data" + std::to_string(attempt);
    status = etcd->Launch();
    if (status.ok()) return etcd;
    etcd->Stop(SIGKILL);
  }
  return status;
}

EtcdProcess::~EtcdProcess() { Stop(SIGKILL); }

std::string EtcdProcess::endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }

void EtcdProcess::Stop(int signal) {
  if (process_) process_->Kill(signal);
  process_.reset();
}

Status EtcdProcess::Restart() {
  Stop(SIGTERM);
  return Launch();
}

Status EtcdProcess::Launch() {
  std::string client_url = "http://127.0.0.1:" + std::to_string(client_port_);
  std::string peer_url = "http://127.0.0.1:" + std::to_string(peer_port_);
  std::vector<std::string> argv = {binary_,
                                   "--name=test",
                                   "--data-dir=" + data_dir_,
                                   "--listen-client-urls=" + client_url,
                                   "--advertise-client-urls=" + client_url,
                                   "--listen-peer-urls=" + peer_url,
                                   "--initial-advertise-peer-urls=" + peer_url,
                                   "--initial-cluster=test=" + peer_url,
                                   "--logger=zap",
                                   "--log-level=warn"};
  argv.insert(argv.end(), extra_flags_.begin(), extra_flags_.end());
  CURVE_ASSIGN_OR_RETURN(Subprocess process, Subprocess::Start(argv, dir_.path() + "/etcd.log"));
  process_ = std::make_unique<Subprocess>(std::move(process));

  // The port first: a gRPC channel whose first connect is refused (etcd not listening yet)
  // waits out its reconnect backoff, which made every start take ~10 s.
  PollUntil([&] { return !process_->running() || Accepting(client_port_); },
            std::chrono::seconds(20));
  etcd::EtcdOptions options;
  options.endpoints = {endpoint()};
  options.retry.max_attempts = 1;
  options.retry.attempt_timeout = std::chrono::milliseconds(500);
  CURVE_ASSIGN_OR_RETURN(auto client, etcd::EtcdClient::Create(options));
  bool ready =
      PollUntil([&] { return !process_->running() ? true : client->Get("/ready-probe").ok(); },
                std::chrono::seconds(20));
  if (!process_->running()) {
    return UnavailableError("etcd exited at start: " + Tail(dir_.path() + "/etcd.log"));
  }
  if (!ready) {
    return UnavailableError("etcd did not serve on " + endpoint() +
                            " within 20s: " + Tail(dir_.path() + "/etcd.log"));
  }
  return Status::Ok();
}

}  // namespace curve::testing
