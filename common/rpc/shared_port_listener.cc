#include "common/rpc/shared_port_listener.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/logging.h"
#include "common/rpc/server.h"
#include "common/thread_name.h"

namespace curve::rpc {

namespace {

struct Pending {
  int fd;
  std::chrono::steady_clock::time_point deadline;
};

// What the first bytes of a connection say: a raw protocol (its index), gRPC, or not yet known.
constexpr int kUndecided = -2;
constexpr int kGrpc = -1;

int Classify(const std::vector<RawProtocol>& protocols, const char* data, size_t size) {
  bool prefix = false;
  for (size_t i = 0; i < protocols.size(); ++i) {
    const std::string& preamble = protocols[i].preamble;
    size_t n = std::min(size, preamble.size());
    if (std::memcmp(data, preamble.data(), n) != 0) continue;
    if (size >= preamble.size()) return static_cast<int>(i);
    prefix = true;
  }
  return prefix ? kUndecided : kGrpc;
}

Status ListenError(const std::string& address, const std::string& why) {
  return UnavailableError("cannot listen on " + address + ": " + why);
}

}  // namespace

Result<std::unique_ptr<SharedPortListener>> SharedPortListener::Listen(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return ListenError(address, "expected host:port");
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) return ListenError(address, ::gai_strerror(rc));
  int fd = -1;
  std::string error = "no address";
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 4096) != 0) {
      error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return ListenError(address, error + " (address invalid or in use)");
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  int bound_port = bound.ss_family == AF_INET6
                       ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                       : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    ::close(fd);
    return ListenError(address, std::string("eventfd: ") + std::strerror(errno));
  }
  return std::unique_ptr<SharedPortListener>(new SharedPortListener(fd, wake, bound_port));
}

SharedPortListener::SharedPortListener(int listen_fd, int wake_fd, int port)
    : listen_fd_(listen_fd), wake_fd_(wake_fd), port_(port) {}

SharedPortListener::~SharedPortListener() {
  Stop();
  ::close(wake_fd_);
}

void SharedPortListener::Start(std::vector<RawProtocol> protocols, Handler grpc,
                               std::chrono::milliseconds sniff_timeout) {
  thread_ = std::thread(
      [this, protocols = std::move(protocols), grpc = std::move(grpc), sniff_timeout]() mutable {
        SetThreadName("rpc-accept");
        Run(std::move(protocols), std::move(grpc), sniff_timeout);
      });
}

void SharedPortListener::Stop() {
  if (listen_fd_ < 0) return;
  uint64_t one = 1;
  (void)::write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
}

void SharedPortListener::Run(std::vector<RawProtocol> protocols, Handler grpc,
                             std::chrono::milliseconds sniff_timeout) {
  std::vector<Pending> pending;
  std::vector<pollfd> polled;
  char peek[64];
  while (true) {
    polled.assign({{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}});
    for (const Pending& p : pending) polled.push_back({p.fd, POLLIN, 0});
    int ready = ::poll(polled.data(), polled.size(), pending.empty() ? -1 : 200);
    if (ready < 0 && errno != EINTR) {
      log::Get("rpc")->error("op=SharedPortPoll err=\"{}\"", std::strerror(errno));
      break;
    }
    if (polled[0].revents != 0) break;
    if (polled[1].revents != 0) {
      while (true) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) break;
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        pending.push_back({fd, std::chrono::steady_clock::now() + sniff_timeout});
      }
    }
    const auto now = std::chrono::steady_clock::now();
    std::vector<Pending> waiting;
    for (size_t i = 0; i < pending.size(); ++i) {
      const Pending& p = pending[i];
      // Connections accepted in this round are not in `polled` yet: peek at them too.
      bool readable = i + 2 >= polled.size() || polled[i + 2].revents != 0;
      ssize_t n = readable ? ::recv(p.fd, peek, sizeof(peek), MSG_PEEK | MSG_DONTWAIT) : -1;
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && readable)) {
        ::close(p.fd);  // closed before saying anything (a TCP probe) or failed
        continue;
      }
      int kind = n > 0 ? Classify(protocols, peek, static_cast<size_t>(n)) : kUndecided;
      if (kind == kUndecided) {
        if (now < p.deadline) {
          waiting.push_back(p);
        } else {
          ::close(p.fd);
        }
      } else if (kind == kGrpc) {
        int flags = ::fcntl(p.fd, F_GETFL);
        ::fcntl(p.fd, F_SETFL, flags | O_NONBLOCK);
        grpc(p.fd);
      } else {
        const std::string& preamble = protocols[kind].preamble;
        ssize_t read = ::recv(p.fd, peek, preamble.size(), MSG_DONTWAIT);
        if (read != static_cast<ssize_t>(preamble.size())) {
          ::close(p.fd);
          continue;
        }
        protocols[kind].accept(p.fd);
      }
    }
    pending.swap(waiting);
  }
  for (const Pending& p : pending) ::close(p.fd);
}

}  // namespace curve::rpc
