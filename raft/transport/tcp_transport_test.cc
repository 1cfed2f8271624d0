// TcpTransport against real peers (another TcpTransport) and a fake peer whose reading we
// control, on loopback with port 0.

#include "raft/transport/tcp_transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "common/rpc/server.h"
#include "common/testing/subprocess.h"
#include "proto/raft/raft.grpc.pb.h"
#include "raft/transport/frame_stream.h"

namespace curve::raft {
namespace {

using curve::testing::PollUntil;
using std::chrono::milliseconds;

constexpr milliseconds kWait{10000};

class RecordingHandler : public TransportHandler {
 public:
  void OnMessages(NodeId from, std::vector<GroupMessage> messages) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& gm : messages) {
      EXPECT_EQ(gm.message.from, from);
      received_.push_back(std::move(gm));
    }
  }
  void OnUnreachable(NodeId to, const std::vector<GroupId>& groups) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (GroupId g : groups) ++unreachable_[g];
  }
  void OnSnapshotSent(GroupId group, NodeId to, bool success) override {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot_results_.push_back(success);
  }
  Result<std::unique_ptr<SnapshotReader>> OpenSnapshotReader(GroupId, const Snapshot&) override {
    class Reader : public SnapshotReader {
     public:
      explicit Reader(std::vector<std::string> chunks) : chunks_(std::move(chunks)) {}
      Result<bool> Next(std::string* chunk) override {
        if (next_ == chunks_.size()) return false;
        *chunk = chunks_[next_++];
        return true;
      }

     private:
      std::vector<std::string> chunks_;
      size_t next_ = 0;
    };
    return std::unique_ptr<SnapshotReader>(std::make_unique<Reader>(app_chunks));
  }
  Result<std::unique_ptr<SnapshotWriter>> OpenSnapshotWriter(GroupId, NodeId,
                                                             const SnapshotMeta&) override {
    class Writer : public SnapshotWriter {
     public:
      explicit Writer(RecordingHandler* h) : h_(h) {}
      Status Write(const std::string& chunk) override {
        std::lock_guard<std::mutex> lock(h_->mu_);
        h_->staged_ += chunk;
        return Status::Ok();
      }
      Status Finish() override {
        std::lock_guard<std::mutex> lock(h_->mu_);
        h_->staged_finished_ = true;
        return Status::Ok();
      }

     private:
      RecordingHandler* h_;
    };
    return std::unique_ptr<SnapshotWriter>(std::make_unique<Writer>(this));
  }

  size_t CountGroup(GroupId group) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (auto& gm : received_) n += gm.group == group;
    return n;
  }
  std::vector<GroupMessage> Received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  int Unreachable(GroupId group) {
    std::lock_guard<std::mutex> lock(mu_);
    return unreachable_[group];
  }
  std::vector<bool> SnapshotResults() {
    std::lock_guard<std::mutex> lock(mu_);
    return snapshot_results_;
  }
  std::pair<std::string, bool> Staged() {
    std::lock_guard<std::mutex> lock(mu_);
    return {staged_, staged_finished_};
  }

  std::vector<std::string> app_chunks;

 private:
  std::mutex mu_;
  std::vector<GroupMessage> received_;
  std::map<GroupId, int> unreachable_;
  std::vector<bool> snapshot_results_;
  std::string staged_;
  bool staged_finished_ = false;
};

// A process's transport with its own gRPC server.
struct Node {
  Node(NodeId id, int port = 0, TcpTransportOptions options = {}) {
    options.node_id = id;
    transport = std::make_unique<TcpTransport>(options, &handler);
    rpc::ServerOptions server_options;
    server_options.address = "127.0.0.1:" + std::to_string(port);
    server_options.shutdown_grace = milliseconds(200);
    server_options.raw_protocols.push_back(
        {kRaftPreamble, [t = transport.get()](int fd) { t->AcceptConnection(fd); }});
    auto started = rpc::GrpcServer::Start(server_options, {transport->service()});
    EXPECT_TRUE(started.ok()) << started.status();
    server = std::move(started).value();
    address = "127.0.0.1:" + std::to_string(server->port());
    transport->SetAdvertiseAddress(address);
  }
  ~Node() {
    transport->Shutdown();
    server->Shutdown();
  }
  RecordingHandler handler;
  std::unique_ptr<TcpTransport> transport;
  std::unique_ptr<rpc::GrpcServer> server;
  std::string address;
};

GroupMessage Heartbeat(GroupId group, Term term, Index commit, uint64_t seq) {
  return {group, Message{.type = MessageType::kHeartbeat,
                         .from = 1,
                         .to = 2,
                         .term = term,
                         .commit = commit,
                         .read_seq = seq}};
}

GroupMessage Append(GroupId group, size_t bytes) {
  return {group, Message{.type = MessageType::kAppend,
                         .term = 1,
                         .entries = {Entry{1, 1, EntryType::kNormal, std::string(bytes, 'x')}}}};
}

TEST(TcpTransportTest, OneFramePerPeerCarriesEveryGroupsHeartbeat) {
  Node a(1), b(2);
  a.transport->SetPeerAddress(2, b.address);
  std::vector<GroupMessage> round;
  for (GroupId g = 1; g <= 100; ++g) round.push_back(Heartbeat(g, 3, g, 7));
  a.transport->Send(2, round);
  ASSERT_TRUE(PollUntil([&] { return b.handler.Received().size() == 100; }, kWait));
  EXPECT_EQ(b.transport->stats().frames_received, 1u);

  for (auto& gm : round) ++gm.message.read_seq;
  a.transport->Send(2, round);
  ASSERT_TRUE(PollUntil([&] { return b.handler.Received().size() == 200; }, kWait));
  EXPECT_EQ(b.transport->stats().frames_received, 2u);
  auto received = b.handler.Received();
  for (size_t i = 0; i < 100; ++i) {
    const Message& m = received[100 + i].message;
    EXPECT_EQ(m.type, MessageType::kHeartbeat);
    EXPECT_EQ(m.from, 1u);
    EXPECT_EQ(m.to, 2u);
    EXPECT_EQ(m.term, 3u);
    EXPECT_EQ(m.commit, received[100 + i].group);
    EXPECT_EQ(m.read_seq, 8u);
  }

  // The answers go back over the same stream: b never dials.
  std::vector<GroupMessage> answers;
  for (GroupId g = 1; g <= 100; ++g) {
    answers.push_back({g, Message{.type = MessageType::kHeartbeatResp, .term = 3, .read_seq = 8}});
  }
  b.transport->Send(1, answers);
  ASSERT_TRUE(PollUntil([&] { return a.handler.Received().size() == 100; }, kWait));
  EXPECT_EQ(b.transport->stats().streams_dialed, 0u);
  EXPECT_EQ(a.transport->stats().streams_dialed, 1u);
  EXPECT_EQ(a.handler.Received()[0].message.to, 1u);
}

TEST(TcpTransportTest, SimultaneousDialsConvergeOnOneStream) {
  for (int round = 0; round < 5; ++round) {
    Node a(1), b(2);
    a.transport->SetPeerAddress(2, b.address);
    b.transport->SetPeerAddress(1, a.address);
    std::thread t([&] { b.transport->Send(1, {Append(7, 10)}); });
    a.transport->Send(2, {Append(7, 10)});
    t.join();
    // Keep both sides talking until each has heard the other and one stream is left.
    ASSERT_TRUE(PollUntil(
        [&] {
          a.transport->Send(2, {Append(8, 10)});
          b.transport->Send(1, {Append(8, 10)});
          return a.handler.CountGroup(8) > 0 && b.handler.CountGroup(8) > 0 &&
                 a.transport->stats().live_streams == 1 && b.transport->stats().live_streams == 1;
        },
        kWait))
        << "round " << round << " live a=" << a.transport->stats().live_streams
        << " b=" << b.transport->stats().live_streams;
  }
}

TEST(TcpTransportTest, PeerDownIsReportedThenReconnectedWithBackoff) {
  int port = curve::testing::PickFreePort();
  TcpTransportOptions options;
  options.reconnect_initial_backoff = milliseconds(50);
  options.reconnect_max_backoff = milliseconds(200);
  Node a(1, 0, options);
  a.transport->SetPeerAddress(2, "127.0.0.1:" + std::to_string(port));
  a.transport->Send(2, {Append(5, 100)});
  ASSERT_TRUE(PollUntil([&] { return a.handler.Unreachable(5) > 0; }, kWait));
  auto dialed_before = a.transport->stats().streams_dialed;

  Node b(2, port);
  ASSERT_TRUE(PollUntil(
      [&] {
        a.transport->Send(2, {Append(6, 100)});
        return b.handler.CountGroup(6) > 0;
      },
      kWait));
  // Backoff spaced the attempts: a few dials, not one per Send.
  EXPECT_LT(a.transport->stats().streams_dialed - dialed_before, 20u);
}

TEST(TcpTransportTest, RestartedPeerIsReachedAgain) {
  Node a(1);
  auto b = std::make_unique<Node>(2);
  int port = b->server->port();
  a.transport->SetPeerAddress(2, b->address);
  a.transport->Send(2, {Append(1, 10)});
  ASSERT_TRUE(PollUntil([&] { return b->handler.CountGroup(1) == 1; }, kWait));
  b.reset();
  b = std::make_unique<Node>(2, port);
  ASSERT_TRUE(PollUntil(
      [&] {
        a.transport->Send(2, {Append(2, 10)});
        return b->handler.CountGroup(2) > 0;
      },
      kWait));
  // The restarted peer can also answer over the stream a dialed.
  b->transport->Send(1, {Append(3, 10)});
  ASSERT_TRUE(PollUntil([&] { return a.handler.CountGroup(3) == 1; }, kWait));
}

TEST(TcpTransportTest, WrongNodeAtAddressIsRefused) {
  Node a(1), b(2);
  a.transport->SetPeerAddress(3, b.address);  // b is node 2, not 3
  a.transport->Send(3, {Append(4, 10)});
  ASSERT_TRUE(PollUntil([&] { return a.handler.Unreachable(4) > 0; }, kWait));
  EXPECT_EQ(b.handler.CountGroup(4), 0u);
}

TEST(TcpTransportTest, SnapshotIsStreamedInChunksWithTheApplicationPayload) {
  TcpTransportOptions options;
  options.snapshot.chunk_bytes = 64 << 10;
  Node a(1, 0, options), b(2);
  a.transport->SetPeerAddress(2, b.address);
  a.handler.app_chunks = {"chunk-file-1:", std::string(200 << 10, 'y'), ":end"};
  Snapshot snapshot;
  snapshot.meta = SnapshotMeta{.index = 40, .term = 3, .config = Configuration{{1, 2, 3}}};
  snapshot.data = std::string(300 << 10, 'z');
  GroupMessage m{
      9,
      Message{.type = MessageType::kSnapshot, .from = 1, .to = 2, .term = 3, .snapshot = snapshot}};
  a.transport->Send(2, {m});
  ASSERT_TRUE(PollUntil([&] { return a.handler.SnapshotResults().size() == 1; }, kWait));
  EXPECT_TRUE(a.handler.SnapshotResults()[0]);
  auto received = b.handler.Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].group, 9u);
  EXPECT_EQ(received[0].message.type, MessageType::kSnapshot);
  EXPECT_EQ(received[0].message.term, 3u);
  EXPECT_EQ(received[0].message.from, 1u);
  ASSERT_TRUE(received[0].message.snapshot.has_value());
  EXPECT_EQ(*received[0].message.snapshot, snapshot);
  auto [staged, finished] = b.handler.Staged();
  EXPECT_TRUE(finished);
  EXPECT_EQ(staged, a.handler.app_chunks[0] + a.handler.app_chunks[1] + a.handler.app_chunks[2]);
}

TEST(TcpTransportTest, SnapshotToUnknownPeerFails) {
  Node a(1);
  GroupMessage m{9, Message{.type = MessageType::kSnapshot, .to = 5, .snapshot = Snapshot{}}};
  a.transport->Send(5, {m});
  ASSERT_TRUE(PollUntil([&] { return a.handler.SnapshotResults().size() == 1; }, kWait));
  EXPECT_FALSE(a.handler.SnapshotResults()[0]);
}

}  // namespace
}  // namespace curve::raft
