#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/rpc/grpc_status.h"
#include "common/rpc/retry.h"
#include "common/rpc/server.h"
#include "common/testing/subprocess.h"
#include "proto/testing/echo.grpc.pb.h"

namespace curve::rpc {
namespace {

// Fails the first `failures` calls with `code`, then echoes after the requested delay.
class FlakyEcho final : public curve::testing::Echo::Service {
 public:
  FlakyEcho(int failures, grpc::StatusCode code) : failures_(failures), code_(code) {}

  grpc::Status Echo(grpc::ServerContext*, const curve::testing::EchoRequest* request,
                    curve::testing::EchoResponse* response) override {
    ++calls;
    if (failures_-- > 0) return grpc::Status(code_, "injected failure");
    std::this_thread::sleep_for(std::chrono::milliseconds(request->delay_ms()));
    response->set_message(request->message());
    return grpc::Status::OK;
  }

  std::atomic<int> calls{0};

 private:
  std::atomic<int> failures_;
  grpc::StatusCode code_;
};

struct Fixture {
  explicit Fixture(int failures, grpc::StatusCode code = grpc::StatusCode::UNAVAILABLE)
      : service(failures, code) {
    auto started = GrpcServer::Start(ServerOptions{}, {&service});
    EXPECT_TRUE(started.ok()) << started.status();
    server = std::move(started).value();
    stub =
        curve::testing::Echo::NewStub(MakeChannel("127.0.0.1:" + std::to_string(server->port())));
  }
  FlakyEcho service;
  std::unique_ptr<GrpcServer> server;
  std::unique_ptr<curve::testing::Echo::Stub> stub;
};

RetryPolicy FastPolicy() {
  RetryPolicy policy;
  policy.initial_backoff = std::chrono::milliseconds(1);
  policy.max_backoff = std::chrono::milliseconds(5);
  policy.attempt_timeout = std::chrono::milliseconds(2000);
  return policy;
}

TEST(GrpcStatusTest, RoundTripKeepsCodeAndMessage) {
  for (int code = 0; code <= 16; ++code) {
    Status status(static_cast<StatusCode>(code), "message " + std::to_string(code));
    grpc::Status wire = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(wire.error_code()), code);
    EXPECT_EQ(FromGrpcStatus(wire), status);
  }
}

TEST(RetryTest, RetriesUnavailableUntilSuccess) {
  Fixture f(3);
  curve::testing::EchoResponse response;
  Status status = CallWithRetry(FastPolicy(), "echo", [&](grpc::ClientContext& context) {
    curve::testing::EchoRequest request;
    request.set_message("hi");
    return f.stub->Echo(&context, request, &response);
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(response.message(), "hi");
  EXPECT_EQ(f.service.calls, 4);
}

TEST(RetryTest, GivesUpAfterMaxAttemptsNamingTheCall) {
  Fixture f(100);
  RetryPolicy policy = FastPolicy();
  policy.max_attempts = 3;
  Status status = CallWithRetry(policy, "echo to peer", [&](grpc::ClientContext& context) {
    curve::testing::EchoResponse response;
    return f.stub->Echo(&context, curve::testing::EchoRequest(), &response);
  });
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("echo to peer failed after 3 attempts"), std::string::npos)
      << status;
  EXPECT_EQ(f.service.calls, 3);
}

TEST(RetryTest, DoesNotRetryPermanentErrors) {
  Fixture f(100, grpc::StatusCode::INVALID_ARGUMENT);
  Status status = CallWithRetry(FastPolicy(), "echo", [&](grpc::ClientContext& context) {
    curve::testing::EchoResponse response;
    return f.stub->Echo(&context, curve::testing::EchoRequest(), &response);
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.service.calls, 1);
}

TEST(RetryTest, EachAttemptHasADeadline) {
  Fixture f(0);
  RetryPolicy policy = FastPolicy();
  policy.attempt_timeout = std::chrono::milliseconds(50);
  policy.max_attempts = 2;
  policy.retry_deadline_exceeded = false;
  Status status = CallWithRetry(policy, "slow echo", [&](grpc::ClientContext& context) {
    curve::testing::EchoRequest request;
    request.set_delay_ms(500);
    curve::testing::EchoResponse response;
    return f.stub->Echo(&context, request, &response);
  });
  EXPECT_EQ(status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(f.service.calls, 1) << "deadline must not be retried when the policy forbids it";
}

TEST(RetryTest, UnreachablePeerIsUnavailable) {
  int port = 0;
  {
    Fixture f(0);
    port = f.server->port();
  }
  auto stub = curve::testing::Echo::NewStub(MakeChannel("127.0.0.1:" + std::to_string(port)));
  RetryPolicy policy = FastPolicy();
  policy.max_attempts = 2;
  Status status = CallWithRetry(policy, "echo", [&](grpc::ClientContext& context) {
    curve::testing::EchoResponse response;
    return stub->Echo(&context, curve::testing::EchoRequest(), &response);
  });
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status;
}

TEST(BackoffTest, GrowsWithJitterUpToTheCap) {
  RetryPolicy policy;
  policy.initial_backoff = std::chrono::milliseconds(100);
  policy.max_backoff = std::chrono::milliseconds(1000);
  policy.jitter = 0.2;
  Backoff backoff(policy, 42);
  double expected = 100;
  for (int i = 0; i < 10; ++i) {
    auto delay = backoff.Next().count();
    EXPECT_GE(delay, static_cast<int64_t>(expected * 0.8) - 1) << i;
    EXPECT_LE(delay, static_cast<int64_t>(expected * 1.2) + 1) << i;
    expected = std::min(expected * 2, 1000.0);
  }
  backoff.Reset();
  EXPECT_LE(backoff.Next().count(), 121);
}

TEST(ServerTest, ShutdownLetsInFlightCallsFinish) {
  Fixture f(0);
  Status result;
  std::thread caller([&] {
    grpc::ClientContext context;
    curve::testing::EchoRequest request;
    request.set_message("late");
    request.set_delay_ms(300);
    curve::testing::EchoResponse response;
    result = FromGrpcStatus(f.stub->Echo(&context, request, &response));
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (f.service.calls == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(f.service.calls, 1);
  f.server->Shutdown();
  caller.join();
  EXPECT_TRUE(result.ok()) << result;
}

TEST(ServerTest, AddressInUseIsAClearError) {
  Fixture f(0);
  ServerOptions options;
  options.address = "127.0.0.1:" + std::to_string(f.server->port());
  FlakyEcho other(0, grpc::StatusCode::OK);
  auto second = GrpcServer::Start(options, {&other});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(options.address), std::string::npos);
}

// A raw protocol beside gRPC on one port: connections are told apart by their first bytes.
struct SharedPortFixture {
  SharedPortFixture() : service(0, grpc::StatusCode::OK) {
    ServerOptions options;
    options.shutdown_grace = std::chrono::milliseconds(200);
    options.raw_protocols.push_back({"RAW/1\n", [this](int fd) {
                                       // Echoes one line back, then closes.
                                       char buffer[64];
                                       ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
                                       if (n > 0) (void)::send(fd, buffer, n, MSG_NOSIGNAL);
                                       ::close(fd);
                                       ++raw_connections;
                                     }});
    auto started = GrpcServer::Start(options, {&service});
    EXPECT_TRUE(started.ok()) << started.status();
    server = std::move(started).value();
  }

  // Connects, sends `parts` one after another (pausing between them), and returns what comes
  // back until the server closes.
  std::string RawExchange(const std::vector<std::string>& parts) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    for (const std::string& part : parts) {
      EXPECT_EQ(::send(fd, part.data(), part.size(), MSG_NOSIGNAL),
                static_cast<ssize_t>(part.size()));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::string got;
    char buffer[64];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) got.append(buffer, n);
    ::close(fd);
    return got;
  }

  FlakyEcho service;
  std::atomic<int> raw_connections{0};
  std::unique_ptr<GrpcServer> server;
};

TEST(SharedPortTest, GrpcAndARawProtocolShareThePort) {
  SharedPortFixture f;
  auto stub =
      curve::testing::Echo::NewStub(MakeChannel("127.0.0.1:" + std::to_string(f.server->port())));
  curve::testing::EchoRequest request;
  request.set_message("over grpc");
  curve::testing::EchoResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub->Echo(&context, request, &response).ok());
  EXPECT_EQ(response.message(), "over grpc");

  // The preamble is consumed; what follows reaches the raw handler, even when the preamble
  // arrives in pieces.
  EXPECT_EQ(f.RawExchange({"RAW/1\nhello"}), "hello");
  EXPECT_EQ(f.RawExchange({"RA", "W/1\n", "again"}), "again");
  EXPECT_EQ(f.raw_connections, 2);

  // A connection that closes without a word (a TCP probe) is dropped; gRPC still serves.
  int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(f.server->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(probe);
  grpc::ClientContext again;
  EXPECT_TRUE(stub->Echo(&again, request, &response).ok());
  EXPECT_EQ(f.raw_connections, 2);
  EXPECT_EQ(f.service.calls, 2);
}

TEST(SharedPortTest, AddressInUseIsAClearError) {
  SharedPortFixture f;
  ServerOptions options;
  options.address = "127.0.0.1:" + std::to_string(f.server->port());
  options.raw_protocols.push_back({"RAW/1\n", [](int fd) { ::close(fd); }});
  FlakyEcho other(0, grpc::StatusCode::OK);
  auto second = GrpcServer::Start(options, {&other});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(options.address), std::string::npos);
}

// A daemon gets SIGTERM while a call is in flight: the call completes, then the process exits 0.
TEST(ServerTest, SigtermDrainsInFlightCallsAndExitsCleanly) {
  auto server = curve::testing::Subprocess::Start({RPC_TEST_ECHO_SERVER});
  ASSERT_TRUE(server.ok()) << server.status();
  auto line = server->ReadLine(std::chrono::seconds(10));
  ASSERT_TRUE(line.has_value() && line->rfind("port ", 0) == 0) << line.value_or("<eof>");
  auto stub = curve::testing::Echo::NewStub(MakeChannel("127.0.0.1:" + line->substr(5)));

  Status result;
  std::thread caller([&] {
    grpc::ClientContext context;
    context.set_wait_for_ready(true);
    curve::testing::EchoRequest request;
    request.set_message("drain me");
    request.set_delay_ms(500);
    curve::testing::EchoResponse response;
    result = FromGrpcStatus(stub->Echo(&context, request, &response));
    if (result.ok() && response.message() != "drain me") result = InternalError("bad echo");
  });
  ASSERT_EQ(server->ReadLine(std::chrono::seconds(10)), std::string("call drain me"));
  kill(server->pid(), SIGTERM);
  caller.join();
  EXPECT_TRUE(result.ok()) << result;
  auto status = server->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value()) << "server did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_EQ(server->ReadLine(std::chrono::seconds(1)), std::string("stopped by signal 15"));
}

}  // namespace
}  // namespace curve::rpc
