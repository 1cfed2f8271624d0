// GrpcTransport against a fake peer that stops reading: Send must never block, memory must stay
// within the queue caps, and the groups must be told their peer is unreachable.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include <grpcpp/grpcpp.h>

#include "common/rpc/server.h"
#include "common/testing/subprocess.h"
#include "proto/raft/raft.grpc.pb.h"
#include "raft/transport/grpc_transport.h"

namespace curve::raft {
namespace {

using curve::testing::PollUntil;
using std::chrono::milliseconds;

// Speaks the stream protocol by hand: answers the hello, then reads frames only while not paused.
class FakePeer final : public RaftTransport::Service {
 public:
  explicit FakePeer(NodeId id) : id_(id) {}

  grpc::Status Stream(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<WireFrame, WireFrame>* stream) override {
    WireFrame in;
    if (!stream->Read(&in) || !in.has_hello()) return grpc::Status::OK;
    WireFrame hello;
    hello.mutable_hello()->set_node_id(id_);
    hello.mutable_hello()->set_incarnation(77);
    stream->Write(hello);
    Record(in);
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        while (paused_ && !context->IsCancelled()) cv_.wait_for(lock, milliseconds(20));
      }
      if (!stream->Read(&in)) break;
      Record(in);
    }
    return grpc::Status::OK;
  }

  void Pause() {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = true;
  }
  void Resume() {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = false;
    cv_.notify_all();
  }
  size_t messages_for(GroupId group) {
    std::lock_guard<std::mutex> lock(mu_);
    return per_group_[group];
  }
  size_t frames() {
    std::lock_guard<std::mutex> lock(mu_);
    return frames_;
  }

 private:
  void Record(const WireFrame& frame) {
    std::lock_guard<std::mutex> lock(mu_);
    ++frames_;
    for (const auto& m : frame.messages()) ++per_group_[m.group()];
  }

  const NodeId id_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool paused_ = false;
  size_t frames_ = 0;
  std::map<GroupId, size_t> per_group_;
};

class CountingHandler : public TransportHandler {
 public:
  void OnMessages(NodeId, std::vector<GroupMessage>) override {}
  void OnUnreachable(NodeId, const std::vector<GroupId>& groups) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (GroupId g : groups) ++unreachable_[g];
  }
  void OnSnapshotSent(GroupId, NodeId, bool) override {}
  Result<std::unique_ptr<SnapshotReader>> OpenSnapshotReader(GroupId, const Snapshot&) override {
    return std::unique_ptr<SnapshotReader>();
  }
  Result<std::unique_ptr<SnapshotWriter>> OpenSnapshotWriter(GroupId, NodeId,
                                                             const SnapshotMeta&) override {
    return std::unique_ptr<SnapshotWriter>();
  }
  int unreachable(GroupId g) {
    std::lock_guard<std::mutex> lock(mu_);
    return unreachable_[g];
  }

 private:
  std::mutex mu_;
  std::map<GroupId, int> unreachable_;
};

GroupMessage Append(GroupId group, size_t bytes) {
  return {group, Message{.type = MessageType::kAppend,
                         .term = 1,
                         .entries = {Entry{1, 1, EntryType::kNormal, std::string(bytes, 'x')}}}};
}

TEST(BackpressureTest, SlowPeerFillsTheBoundedQueueAndSendNeverBlocks) {
  FakePeer fake(2);
  rpc::ServerOptions server_options;
  server_options.shutdown_grace = milliseconds(100);
  auto server = rpc::GrpcServer::Start(server_options, {&fake});
  ASSERT_TRUE(server.ok());
  CountingHandler handler;
  GrpcTransportOptions options;
  options.node_id = 1;
  options.queue.max_bytes = 4 << 20;
  options.queue.max_messages = 1000;
  options.queue.max_frame_bytes = 1 << 20;
  GrpcTransport transport(options, &handler);
  transport.SetPeerAddress(2, "127.0.0.1:" + std::to_string((*server)->port()));

  transport.Send(2, {Append(1, 100)});
  ASSERT_TRUE(PollUntil([&] { return fake.messages_for(1) == 1; }, milliseconds(10000)));
  fake.Pause();

  // Offer far more than the queue, the socket buffers and HTTP/2 windows can hold: 400 MiB.
  const std::string payload(64 << 10, 'p');
  auto slowest = std::chrono::nanoseconds(0);
  for (int i = 0; i < 100; ++i) {
    std::vector<GroupMessage> batch;
    for (int j = 0; j < 64; ++j) {
      batch.push_back({2, Message{.type = MessageType::kAppend,
                                  .term = 1,
                                  .entries = {Entry{1, 1, EntryType::kNormal, payload}}}});
    }
    auto start = std::chrono::steady_clock::now();
    transport.Send(2, std::move(batch));
    slowest = std::max(slowest, std::chrono::steady_clock::now() - start);
  }
  EXPECT_LT(slowest, milliseconds(100));
  TransportStats stats = transport.stats();
  // Whatever was not dropped fits the queue (4 MiB), the frame in flight (1 MiB) and what the
  // HTTP/2 windows and socket buffers absorb (allow 24 MiB): at most 464 messages of 64 KiB.
  EXPECT_GE(stats.messages_dropped, 6400u - 464u);
  EXPECT_GT(handler.unreachable(2), 0);

  // Once the peer reads again, new messages flow.
  fake.Resume();
  ASSERT_TRUE(PollUntil(
      [&] {
        transport.Send(2, {Append(3, 10)});
        return fake.messages_for(3) > 0;
      },
      milliseconds(20000)));
  transport.Shutdown();
  (*server)->Shutdown();
}

}  // namespace
}  // namespace curve::raft
