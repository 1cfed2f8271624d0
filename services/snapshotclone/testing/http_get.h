#pragma once

// A minimal HTTP/1.1 GET over a loopback socket for tests of the HTTP API (no client library).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "common/result.h"

namespace curve::snapshotclone::testing {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET `target` (path and query) from 127.0.0.1:`port` with Connection: close.
inline Result<HttpResponse> HttpGet(int port, const std::string& target,
                                    const std::string& method = "GET") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return UnavailableError("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  const std::string request = method + " " + target +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                              "Connection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return InternalError("short write");
  }
  std::string raw;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) raw.append(buffer, n);
  close(fd);
  size_t header_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || header_end == std::string::npos) {
    return DataLossError("not an HTTP answer: " + raw.substr(0, 200));
  }
  return HttpResponse{std::stoi(raw.substr(9, 3)), raw.substr(header_end + 4)};
}

}  // namespace curve::snapshotclone::testing
