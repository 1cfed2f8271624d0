// TcpTransport against a fake peer that stops reading: Send must never block, memory must stay
// within the queue caps, and the groups must be told their peer is unreachable.

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "common/rpc/shared_port_listener.h"
#include "common/testing/subprocess.h"
#include "raft/transport/frame_stream.h"
#include "raft/transport/tcp_transport.h"

namespace curve::raft {
namespace {

using curve::testing::PollUntil;
using std::chrono::milliseconds;

// Speaks the raft connection protocol by hand: answers the hello, then reads frames only while
// not paused.
class FakePeer {
 public:
  explicit FakePeer(NodeId id) : id_(id) {
    auto listener = rpc::SharedPortListener::Listen("127.0.0.1:0");
    EXPECT_TRUE(listener.ok()) << listener.status();
    listener_ = std::move(listener).value();
    listener_->Start({{kRaftPreamble,
                       [this](int fd) {
                         std::lock_guard<std::mutex> lock(mu_);
                         fds_.push_back(fd);
                         threads_.emplace_back([this, fd] { Serve(fd); });
                       }}},
                     [](int fd) { ::close(fd); });
  }
  ~FakePeer() {
    listener_->Stop();
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
      cv_.notify_all();
    }
    for (auto& t : threads_) t.join();
    for (int fd : fds_) ::close(fd);
  }

  int port() const { return listener_->port(); }

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

 private:
  void Serve(int fd) {
    WireFrame in;
    FrameReader reader(fd);
    if (!reader.Next(&in) || !in.has_hello()) return;
    WireFrame hello;
    hello.mutable_hello()->set_node_id(id_);
    hello.mutable_hello()->set_incarnation(77);
    std::string out;
    EncodeFrame(hello, &out);
    if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
      return;
    }
    Record(in);
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !paused_ || stopping_; });
        if (stopping_) return;
      }
      if (!reader.Next(&in)) return;
      Record(in);
    }
  }

  void Record(const WireFrame& frame) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& m : frame.messages()) ++per_group_[m.group()];
  }

  const NodeId id_;
  std::unique_ptr<rpc::SharedPortListener> listener_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool paused_ = false;
  bool stopping_ = false;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
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
  CountingHandler handler;
  TcpTransportOptions options;
  options.node_id = 1;
  options.queue.max_bytes = 4 << 20;
  options.queue.max_messages = 1000;
  options.queue.max_frame_bytes = 1 << 20;
  TcpTransport transport(options, &handler);
  transport.SetPeerAddress(2, "127.0.0.1:" + std::to_string(fake.port()));

  transport.Send(2, {Append(1, 100)});
  ASSERT_TRUE(PollUntil([&] { return fake.messages_for(1) == 1; }, milliseconds(10000)));
  fake.Pause();

  // Offer far more than the queue and the socket buffers can hold: 400 MiB.
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
  // socket buffers absorb (allow 24 MiB): at most 464 messages of 64 KiB.
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
}

}  // namespace
}  // namespace curve::raft
