// FrameReader over a socketpair: frames in pieces, several frames per recv, and what breaks a
// stream (an oversized length, bytes that do not parse, the end of stream mid-frame).

#include "raft/transport/frame_stream.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace curve::raft {
namespace {

struct SocketPair {
  SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0); }
  ~SocketPair() {
    ::close(fds[0]);
    if (fds[1] >= 0) ::close(fds[1]);
  }
  void Send(const std::string& bytes) {
    ASSERT_EQ(::send(fds[1], bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }
  void CloseWriter() {
    ::close(fds[1]);
    fds[1] = -1;
  }
  int fds[2] = {-1, -1};
};

WireFrame Hello(NodeId id) {
  WireFrame frame;
  frame.mutable_hello()->set_node_id(id);
  frame.mutable_hello()->set_address(std::string(100, 'a'));
  return frame;
}

TEST(FrameReaderTest, FramesArriveWholeInPiecesOrSeveralAtOnce) {
  SocketPair pair;
  std::string three;
  for (NodeId id : {1, 2, 3}) EncodeFrame(Hello(id), &three);
  pair.Send(three);  // three frames in one write
  std::string fourth;
  EncodeFrame(Hello(4), &fourth);
  std::thread writer([&] {
    for (char c : fourth) {  // one byte at a time
      pair.Send(std::string(1, c));
      std::this_thread::yield();
    }
  });
  FrameReader reader(pair.fds[0]);
  WireFrame frame;
  for (NodeId id : {1, 2, 3, 4}) {
    ASSERT_TRUE(reader.Next(&frame)) << id;
    EXPECT_EQ(frame.hello().node_id(), id);
    EXPECT_EQ(frame.hello().address(), std::string(100, 'a'));
  }
  writer.join();
  pair.CloseWriter();
  EXPECT_FALSE(reader.Next(&frame));  // end of stream
}

TEST(FrameReaderTest, OversizedUnparsableOrTruncatedFramesFail) {
  {
    SocketPair pair;
    uint32_t too_big = kMaxWireFrameBytes + 1;
    pair.Send(std::string(reinterpret_cast<const char*>(&too_big), 4));
    WireFrame frame;
    EXPECT_FALSE(FrameReader(pair.fds[0]).Next(&frame));
  }
  {
    SocketPair pair;
    pair.Send(std::string("\x03\x00\x00\x00\xff\xff\xff", 7));  // a field with no end
    WireFrame frame;
    EXPECT_FALSE(FrameReader(pair.fds[0]).Next(&frame));
  }
  {
    SocketPair pair;
    std::string whole;
    EncodeFrame(Hello(9), &whole);
    pair.Send(whole.substr(0, whole.size() - 1));
    pair.CloseWriter();
    WireFrame frame;
    EXPECT_FALSE(FrameReader(pair.fds[0]).Next(&frame));
  }
}

}  // namespace
}  // namespace curve::raft
