#include "csi/driver/health_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/logging.h"

namespace curve::csi {
namespace {

constexpr int kReadTimeoutMs = 5000;

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::string Response(int code, const std::string& reason, const std::string& body) {
  return "HTTP/1.0 " + std::to_string(code) + " " + reason +
         "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

Result<std::unique_ptr<HealthServer>> HealthServer::Start(const std::string& address, Check check) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError("health address '" + address + "': expected host:port");
  }
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (host.empty()) host = "0.0.0.0";
  struct addrinfo hints {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  struct addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return InvalidArgumentError("health address '" + address + "': " + gai_strerror(rc));
  }
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  bool ok = fd >= 0 && ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 16) == 0;
  int err = errno;
  ::freeaddrinfo(found);
  if (!ok) {
    if (fd >= 0) ::close(fd);
    return UnavailableError("cannot listen for health checks at " + address + ": " +
                            std::strerror(err));
  }
  struct sockaddr_storage bound {};
  socklen_t length = sizeof(bound);
  ::getsockname(fd, reinterpret_cast<struct sockaddr*>(&bound), &length);
  int bound_port = bound.ss_family == AF_INET6
                       ? ntohs(reinterpret_cast<struct sockaddr_in6*>(&bound)->sin6_port)
                       : ntohs(reinterpret_cast<struct sockaddr_in*>(&bound)->sin_port);
  std::unique_ptr<HealthServer> server(new HealthServer(fd, bound_port, std::move(check)));
  if (::pipe2(server->wake_, O_CLOEXEC) != 0) {
    return InternalError(std::string("pipe: ") + std::strerror(errno));
  }
  server->thread_ = std::thread([raw = server.get()] { raw->Serve(); });
  return server;
}

HealthServer::HealthServer(int fd, int port, Check check)
    : fd_(fd), port_(port), check_(std::move(check)) {}

HealthServer::~HealthServer() {
  if (thread_.joinable()) {
    char byte = 0;
    ssize_t ignored = ::write(wake_[1], &byte, 1);
    (void)ignored;
    thread_.join();
  }
  for (int fd : wake_) {
    if (fd >= 0) ::close(fd);
  }
  ::close(fd_);
}

void HealthServer::Serve() {
  while (true) {
    struct pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int ready = ::poll(fds, 2, -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || (fds[1].revents & POLLIN)) return;
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    Answer(client);
    ::close(client);
  }
}

void HealthServer::Answer(int client) {
  std::string request;
  char buffer[1024];
  while (request.find("\r\n\r\n") == std::string::npos &&
         request.find("\n\n") == std::string::npos && request.size() < 8192) {
    struct pollfd pfd = {client, POLLIN, 0};
    if (::poll(&pfd, 1, kReadTimeoutMs) <= 0) return;
    ssize_t n = ::recv(client, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    request.append(buffer, static_cast<size_t>(n));
  }
  std::string line = request.substr(0, request.find_first_of("\r\n"));
  bool get = line.rfind("GET ", 0) == 0 || line.rfind("HEAD ", 0) == 0;
  std::string path = line.substr(line.find(' ') + 1);
  path = path.substr(0, path.find(' '));
  if (!get || (path != "/healthz" && path.rfind("/healthz?", 0) != 0)) {
    WriteAll(client, Response(404, "Not Found", "not found; try GET /healthz\n"));
    return;
  }
  Status status = check_();
  if (status.ok()) {
    WriteAll(client, Response(200, "OK", "ok\n"));
    return;
  }
  log::Get("csi")->warn("op=Healthz err=\"{}\"", status.ToString());
  WriteAll(client, Response(503, "Service Unavailable", status.ToString() + "\n"));
}

}  // namespace curve::csi
