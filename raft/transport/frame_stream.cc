#include "raft/transport/frame_stream.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/logging.h"
#include "common/thread_name.h"

namespace curve::raft {

namespace {

constexpr size_t kPreambleBytes = sizeof(kRaftPreamble) - 1;
constexpr auto kConnectTimeout = std::chrono::seconds(5);

// Like gRPC's keepalive (10 s, then 5 s), so that a peer gone without a word (its host lost, a
// partition) breaks the stream and the link redials instead of queueing behind it.
void ConfigureSocket(int fd) {
  int one = 1;
  int idle = 10;
  int interval = 5;
  int count = 2;
  unsigned int user_timeout_ms = 15000;  // sent data unacknowledged this long fails the socket
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
  ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof(user_timeout_ms));
}

// Sends all of [data, data + size) on a blocking socket.
bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// "host:port" or "[v6]:port" into its parts; false when malformed.
bool SplitHostPort(const std::string& address, std::string* host, std::string* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) return false;
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return !host->empty();
}

// Connects `fd` to `addr`, giving up at `deadline` or once `*closed` (checked under `mu`).
bool ConnectWithin(int fd, const addrinfo& addr, std::chrono::steady_clock::time_point deadline,
                   std::mutex* mu, const bool* closed) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return false;
  int rc = ::connect(fd, addr.ai_addr, addr.ai_addrlen);
  if (rc < 0 && errno != EINPROGRESS) return false;
  while (rc < 0) {
    {
      std::lock_guard<std::mutex> lock(*mu);
      if (*closed) return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    pollfd p{fd, POLLOUT, 0};
    int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    int error = 0;
    socklen_t len = sizeof(error);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0 || error != 0) return false;
    rc = 0;
  }
  return ::fcntl(fd, F_SETFL, flags) == 0;
}

}  // namespace

void EncodeFrame(const WireFrame& frame, std::string* out) {
  size_t at = out->size();
  out->resize(at + 4);
  frame.AppendToString(out);
  uint32_t size = static_cast<uint32_t>(out->size() - at - 4);
  for (int i = 0; i < 4; ++i) (*out)[at + i] = static_cast<char>((size >> (8 * i)) & 0xff);
}

bool FrameReader::Fill(size_t size) {
  if (end_ - begin_ >= size) return true;
  if (begin_ > 0) {  // keep the unparsed bytes at the front
    buffer_.erase(0, begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() < std::max<size_t>(size, 64 << 10)) {
    buffer_.resize(std::max<size_t>(size, 64 << 10));
  }
  while (end_ < size) {
    ssize_t n = ::recv(fd_, buffer_.data() + end_, buffer_.size() - end_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    end_ += static_cast<size_t>(n);
  }
  return true;
}

bool FrameReader::Next(WireFrame* frame) {
  if (!Fill(4)) return false;
  const auto* prefix = reinterpret_cast<const unsigned char*>(buffer_.data() + begin_);
  uint32_t size = prefix[0] | (prefix[1] << 8) | (prefix[2] << 16) | (uint32_t{prefix[3]} << 24);
  if (size > kMaxWireFrameBytes) {
    log::Get("raft")->error("op=ReadFrame err=\"frame of {} bytes exceeds the limit of {}\"", size,
                            kMaxWireFrameBytes);
    return false;
  }
  if (!Fill(4 + size)) return false;
  frame->Clear();
  bool parsed = frame->ParseFromArray(buffer_.data() + begin_ + 4, static_cast<int>(size));
  begin_ += 4 + size;
  if (!parsed) {
    log::Get("raft")->error("op=ReadFrame err=\"a frame of {} bytes does not parse\"", size);
    return false;
  }
  if (buffer_.size() > (1 << 20) && end_ == begin_) {  // a large frame passed: shrink back
    buffer_.clear();
    buffer_.shrink_to_fit();
    begin_ = end_ = 0;
  }
  return true;
}

FrameStream::FrameStream(StreamOwner* owner, bool outgoing, std::string address, int fd)
    : owner_(owner), outgoing_(outgoing), address_(std::move(address)), fd_(fd) {
  connected_ = fd >= 0;
}

FrameStream* FrameStream::Dial(StreamOwner* owner, const std::string& address, NodeId peer) {
  auto* stream = new FrameStream(owner, /*outgoing=*/true, address, -1);
  stream->peer = peer;
  stream->Start();
  return stream;
}

FrameStream* FrameStream::Accept(StreamOwner* owner, int fd) {
  ConfigureSocket(fd);
  auto* stream = new FrameStream(owner, /*outgoing=*/false, "", fd);
  stream->Start();
  return stream;
}

void FrameStream::Start() {
  writer_ = std::thread([this] { WriteLoop(); });
  std::thread([this] { ReadLoop(); }).detach();
}

FrameStream::WriteResult FrameStream::Write(const WireFrame& frame) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return WriteResult::kClosed;
  out_.clear();
  out_sent_ = 0;
  EncodeFrame(frame, &out_);
  if (connected_) {
    ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(out_.size())) return WriteResult::kDone;
    // A partial send, a full buffer or an error: the writer thread sends the rest (or fails).
    if (n > 0) out_sent_ = static_cast<size_t>(n);
  }
  pending_ = true;
  cv_.notify_all();
  return WriteResult::kPending;
}

void FrameStream::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  cv_.notify_all();
}

void FrameStream::WriteLoop() {
  SetThreadName(outgoing_ ? "raft-dial-wr" : "raft-accept-wr");
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return closed_ || (pending_ && connected_); });
    if (closed_) return;
    const int fd = fd_;
    lock.unlock();
    // The owner issues no other Write until this one is done, so out_ is this thread's.
    bool ok = SendAll(fd, out_.data() + out_sent_, out_.size() - out_sent_);
    lock.lock();
    pending_ = false;
    lock.unlock();
    owner_->OnWriteDone(this, ok);
    lock.lock();
  }
}

bool FrameStream::Connect() {
  std::string host, port;
  if (!SplitHostPort(address_, &host, &port)) {
    log::Get("raft")->error("op=Dial peer={} address=\"{}\" err=\"expected host:port\"",
                            peer.load(), address_);
    return false;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + kConnectTimeout;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (!ConnectWithin(fd, *a, deadline, &mu_, &closed_)) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return false;
  ConfigureSocket(fd);
  if (!SendAll(fd, kRaftPreamble, kPreambleBytes)) {
    ::close(fd);
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  fd_ = fd;
  if (closed_) {
    ::shutdown(fd_, SHUT_RDWR);
    return false;
  }
  connected_ = true;
  cv_.notify_all();  // a frame written meanwhile leaves now
  return true;
}

void FrameStream::ReadLoop() {
  SetThreadName(outgoing_ ? "raft-dial-rd" : "raft-accept-rd");
  bool connected = !outgoing_ || Connect();
  WireFrame in;
  FrameReader reader(fd_);
  bool first = true;
  while (connected && reader.Next(&in)) {
    if (first) {
      first = false;
      if (!in.has_hello()) break;
      owner_->OnHello(this, in.hello());
    }
    owner_->OnFrame(this, in);
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (!closed_) {
    lock.unlock();
    owner_->OnBroken(this);
    lock.lock();
  }
  cv_.wait(lock, [&] { return closed_; });
  lock.unlock();
  writer_.join();
  owner_->OnStreamDone(this);
  if (fd_ >= 0) ::close(fd_);
  delete this;
}

}  // namespace curve::raft
