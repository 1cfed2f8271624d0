// S3ObjectStore's retries and error mapping against a scripted HTTP server on loopback.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "common/s3/s3_object_store.h"

namespace curve::s3 {
namespace {

// Answers each HTTP request on 127.0.0.1:<port()> with the next scripted (status, body), then
// closes the connection; the last answer repeats; status 0 means never answer (the connection
// stays open until the server is destroyed). Records each request line.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::deque<std::pair<int, std::string>> answers)
      : answers_(std::move(answers)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    socklen_t size = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    EXPECT_EQ(::listen(fd_, 16), 0);
    thread_ = std::thread([this] { Serve(); });
  }

  ~ScriptedServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    for (int fd : silent_) ::close(fd);
  }

  int port() const { return port_; }

  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(client, buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
      }
      std::pair<int, std::string> answer;
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(request.substr(0, request.find("\r\n")));
        answer = answers_.front();
        if (answers_.size() > 1) answers_.pop_front();
      }
      if (answer.first == 0) {
        silent_.push_back(client);
        continue;
      }
      std::string response = "HTTP/1.1 " + std::to_string(answer.first) +
                             " Scripted\r\nContent-Type: application/xml\r\nContent-Length: " +
                             std::to_string(answer.second.size()) +
                             "\r\nConnection: close\r\n\r\n" + answer.second;
      ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::deque<std::pair<int, std::string>> answers_;  // guarded by mu_
  std::vector<std::string> requests_;                // guarded by mu_
  std::vector<int> silent_;                          // only the serving thread
};

std::string ErrorXml(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
         message + "</Message></Error>";
}

S3Options OptionsFor(const ScriptedServer& server) {
  S3Options options;
  options.endpoint = "127.0.0.1:" + std::to_string(server.port());
  options.bucket = "scripted";
  options.access_key = "ak";
  options.secret_key = "sk";
  options.max_attempts = 3;
  return options;
}

TEST(S3ObjectStoreRetryTest, ServerErrorsAreRetriedUntilAnAnswerSucceeds) {
  ScriptedServer server({{503, ErrorXml("SlowDown", "Please reduce your request rate.")},
                         {500, ErrorXml("InternalError", "We encountered an internal error.")},
                         {200, "<LocationConstraint/>"}});
  auto store = NewS3ObjectStore(OptionsFor(server));
  ASSERT_TRUE(store.ok()) << store.status();
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& line : requests) EXPECT_EQ(line, "GET /scripted?location= HTTP/1.1");
}

TEST(S3ObjectStoreRetryTest, PersistentServerErrorsAreUnavailableAfterMaxAttempts) {
  ScriptedServer server({{503, ErrorXml("SlowDown", "Please reduce your request rate.")}});
  auto store = NewS3ObjectStore(OptionsFor(server));
  ASSERT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status();
  EXPECT_NE(store.status().message().find("HTTP 503 SlowDown: Please reduce"), std::string::npos)
      << store.status();
  EXPECT_NE(store.status().message().find("bucket=scripted"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(S3ObjectStoreRetryTest, ClientErrorsAreNotRetried) {
  ScriptedServer server({{403, ErrorXml("AccessDenied", "Access Denied.")}});
  auto store = NewS3ObjectStore(OptionsFor(server));
  ASSERT_EQ(store.status().code(), StatusCode::kPermissionDenied) << store.status();
  EXPECT_NE(store.status().message().find("AccessDenied: Access Denied."), std::string::npos);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(S3ObjectStoreRetryTest, MissingBucketIsCreatedAndKeysAreEncodedInThePath) {
  ScriptedServer server({{404, ErrorXml("NoSuchBucket", "The specified bucket does not exist")},
                         {200, ""},
                         {404, ErrorXml("NoSuchKey", "The specified key does not exist.")}});
  auto store = NewS3ObjectStore(OptionsFor(server));
  ASSERT_TRUE(store.ok()) << store.status();
  Result<std::string> got = (*store)->Get("dir/a b+c");
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound) << got.status();
  EXPECT_NE(got.status().message().find("key=dir/a b+c"), std::string::npos) << got.status();
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1], "PUT /scripted HTTP/1.1");
  EXPECT_EQ(requests[2], "GET /scripted/dir/a%20b%2Bc HTTP/1.1");
}

TEST(S3ObjectStoreRetryTest, AServerThatNeverAnswersTimesOutAsUnavailable) {
  ScriptedServer server({{0, ""}});
  S3Options options = OptionsFor(server);
  options.timeout_seconds = 1;
  options.max_attempts = 2;
  auto start = std::chrono::steady_clock::now();
  auto store = NewS3ObjectStore(options);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status();
  EXPECT_NE(store.status().message().find("no answer after 2 attempt(s) (timeout 1 s each)"),
            std::string::npos)
      << store.status();
  EXPECT_GE(took, std::chrono::seconds(2));  // two 1 s timeouts
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(S3ObjectStoreRetryTest, RefusedConnectionsAreUnavailableAfterMaxAttempts) {
  int port;
  {
    ScriptedServer closed({{200, ""}});  // a port that was just free, closed again below
    port = closed.port();
  }
  S3Options options;
  options.endpoint = "http://127.0.0.1:" + std::to_string(port);
  options.bucket = "refused";
  options.access_key = "ak";
  options.secret_key = "secret-value";
  options.max_attempts = 2;
  auto store = NewS3ObjectStore(options);
  ASSERT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status();
  const std::string message = store.status().message();
  EXPECT_NE(message.find("endpoint=" + options.endpoint + " bucket=refused"), std::string::npos)
      << message;
  EXPECT_NE(message.find("no answer after 2 attempt(s) (timeout 30 s each)"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("secret-value"), std::string::npos) << message;
}

}  // namespace
}  // namespace curve::s3
