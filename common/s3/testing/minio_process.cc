#include "common/s3/testing/minio_process.h"

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

namespace curve::s3::testing {
namespace {

using curve::testing::PickFreePort;
using curve::testing::PollUntil;
using curve::testing::Subprocess;

// The end of a log file, for error messages.
std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

// Runs `argv` (its stderr merged into stdout) up to `timeout`; its output, or an error naming
// the command, its exit status and output.
Result<std::string> Run(const std::vector<std::string>& argv, std::chrono::minutes timeout) {
  std::vector<std::string> shell = {"/bin/sh", "-c", "exec \"$@\" 2>&1", "sh"};
  shell.insert(shell.end(), argv.begin(), argv.end());
  CURVE_ASSIGN_OR_RETURN(Subprocess process, Subprocess::Start(shell));
  std::string output;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = process.ReadLine(std::chrono::seconds(1));
    if (line) {
      output += *line + "\n";
    } else if (!process.running()) {
      break;
    }
  }
  while (auto line = process.ReadLine(std::chrono::milliseconds(0))) output += *line + "\n";
  std::string command;
  for (const auto& arg : argv) command += (command.empty() ? "" : " ") + arg;
  auto status = process.Wait(std::chrono::milliseconds(0));
  if (!status) {
    process.Kill(SIGTERM);
    return DeadlineExceededError("'" + command + "' did not finish within " +
                                 std::to_string(timeout.count()) + " min: " + output);
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return FailedPreconditionError("'" + command + "' failed (wait status " +
                                   std::to_string(*status) + "): " + output);
  }
  return output;
}

// The HTTP status MinIO on 127.0.0.1:`port` answers to an anonymous GET of `path` (over TLS,
// unverified, with `tls`); 0 when it does not answer within a second.
int StatusOf(int port, const std::string& path, bool tls) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int status = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    char answer[32] = {};
    int n = 0;
    if (tls) {
      SSL_CTX* context = SSL_CTX_new(TLS_client_method());
      SSL* ssl = context ? SSL_new(context) : nullptr;
      if (ssl && SSL_set_fd(ssl, fd) == 1 && SSL_connect(ssl) == 1 &&
          SSL_write(ssl, request.data(), static_cast<int>(request.size())) ==
              static_cast<int>(request.size())) {
        n = SSL_read(ssl, answer, sizeof(answer) - 1);
      }
      SSL_free(ssl);
      SSL_CTX_free(context);
    } else if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(request.size())) {
      n = static_cast<int>(::recv(fd, answer, sizeof(answer) - 1, 0));
    }
    // "HTTP/1.1 200 OK"
    if (n > 12 && std::string_view(answer, 5) == "HTTP/") status = std::atoi(answer + 9);
  }
  ::close(fd);
  return status;
}

// MinIO answers its readiness probe before its object layer is up (S3 requests then get 503
// XMinioServerNotInitialized): ready when the probe says 200 and an anonymous ListBuckets gets
// a real answer (403).
bool Ready(int port, bool tls) {
  if (StatusOf(port, "/minio/health/ready", tls) != 200) return false;
  int status = StatusOf(port, "/", tls);
  return status != 0 && status != 503;
}

}  // namespace

Result<std::string> MinioProcess::Binary() {
  const char* env = std::getenv("CURVE_MINIO_BIN");
  if (env && *env) return std::string(env);
  static std::mutex build_mu;  // one build per process; the script locks across processes
  std::lock_guard<std::mutex> lock(build_mu);
  Result<std::string> built = Run({CURVE_GO_TOOLS_SH, "minio"}, std::chrono::minutes(60));
  if (!built.ok()) {
    return FailedPreconditionError("cannot build MinIO: " + built.status().message());
  }
  CURVE_ASSIGN_OR_RETURN(std::string dir,
                         Run({CURVE_GO_TOOLS_SH, "path", "minio"}, std::chrono::minutes(1)));
  dir = dir.substr(0, dir.find('\n'));
  std::string binary = dir + "/minio";
  if (::access(binary.c_str(), X_OK) != 0) {
    return FailedPreconditionError("scripts/go-tools.sh minio succeeded but " + binary +
                                   " is not executable");
  }
  return binary;
}

Result<std::unique_ptr<MinioProcess>> MinioProcess::Start(const std::string& dir, bool tls) {
  CURVE_ASSIGN_OR_RETURN(std::string binary, Binary());
  std::unique_ptr<MinioProcess> minio(new MinioProcess());
  minio->dir_ = dir;
  minio->tls_ = tls;
  if (tls) CURVE_RETURN_IF_ERROR(minio->MakeCertificate());
  // A port picked free may be taken by the time MinIO binds it: try a few.
  Status status;
  for (int attempt = 0; attempt < 3; ++attempt) {
    minio->port_ = PickFreePort();
    minio->console_port_ = PickFreePort();
    status = minio->Launch(binary);
    if (status.ok()) return minio;
    minio->Stop();
  }
  return status;
}

MinioProcess::~MinioProcess() { Stop(); }

std::string MinioProcess::endpoint() const {
  return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
}

int MinioProcess::pid() const { return process_ ? process_->pid() : -1; }

S3Options MinioProcess::Options(const std::string& bucket) const {
  S3Options options;
  options.endpoint = endpoint();
  options.bucket = bucket;
  options.access_key = access_key_;
  options.secret_key = secret_key_;
  options.ca_file = ca_file_;
  return options;
}

Status MinioProcess::MakeCertificate() {
  std::string certs = dir_ + "/certs";
  std::error_code error;
  std::filesystem::create_directories(certs, error);
  if (error) return InternalError("create " + certs + ": " + error.message());
  // MinIO serves TLS when its certs dir holds public.crt and private.key.
  Result<std::string> made =
      Run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
           certs + "/private.key", "-out", certs + "/public.crt"},
          std::chrono::minutes(1));
  if (!made.ok()) return made.status().WithContext("make a TLS certificate for MinIO");
  ca_file_ = certs + "/public.crt";
  return Status::Ok();
}

void MinioProcess::Stop() {
  if (process_) process_->Kill(SIGKILL);
  process_.reset();
}

Status MinioProcess::Launch(const std::string& binary) {
  std::string log = dir_ + "/minio.log";
  std::error_code error;
  std::filesystem::create_directories(dir_ + "/data", error);
  if (error) return InternalError("create " + dir_ + "/data: " + error.message());
  // sh and env exec in turn, so the PID is MinIO's own.
  std::vector<std::string> argv = {"/bin/sh",
                                   "-c",
                                   "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1",
                                   "sh",
                                   log,
                                   "/usr/bin/env",
                                   "MINIO_ROOT_USER=" + access_key_,
                                   "MINIO_ROOT_PASSWORD=" + secret_key_,
                                   "MINIO_BROWSER=off",
                                   "MINIO_UPDATE=off",
                                   binary,
                                   "server",
                                   dir_ + "/data",
                                   "--address",
                                   "127.0.0.1:" + std::to_string(port_),
                                   "--console-address",
                                   "127.0.0.1:" + std::to_string(console_port_),
                                   "--certs-dir",
                                   dir_ + "/certs",
                                   "--quiet"};
  CURVE_ASSIGN_OR_RETURN(Subprocess process, Subprocess::Start(argv));
  process_ = std::make_unique<Subprocess>(std::move(process));
  bool ready = PollUntil([&] { return !process_->running() || Ready(port_, tls_); },
                         std::chrono::seconds(60));
  if (!process_->running()) {
    return UnavailableError("minio exited at start (log " + log + "): " + Tail(log));
  }
  if (!ready) {
    return UnavailableError("minio did not become ready on " + endpoint() +
                            " within 60s: " + Tail(log));
  }
  return Status::Ok();
}

}  // namespace curve::s3::testing
