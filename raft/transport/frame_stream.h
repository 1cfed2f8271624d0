#pragma once

// FrameStream: one raft connection between two processes, dialed by this process or accepted
// from a peer. It is a plain TCP connection to the peer's gRPC port: the dialer's first bytes are
// kRaftPreamble, which the peer's server (common/rpc/server.h, RawProtocol) tells apart from
// HTTP/2 and hands to its transport. Then each side sends length-prefixed WireFrames
// (EncodeFrame / ReadFrame) whenever it has messages.
//
// Why not a gRPC stream: at depth 1 every raft message cost a round of HTTP/2 flow control (a
// WINDOW_UPDATE answered each frame) and hops between gRPC's threads on both sides; here a frame
// is one send() from the thread that has it and one recv() on the peer's reader thread.
//
// Threads: a reader thread per stream (for a dialed stream it connects first) delivers frames;
// a writer thread finishes a frame that did not fit into the socket buffer at once.
//
// Lifetime: every stream must be closed exactly when its owner stops using it (Close is
// idempotent). Once closed and its threads done, the stream calls OnStreamDone and deletes
// itself; after OnStreamDone the pointer is dangling.
//
// Reads run continuously from the start: the first frame must carry a hello (OnHello), then
// every frame goes to OnFrame; a failed connect or read, or the peer closing, ends in OnBroken
// (not reported once the owner closed the stream). Writes are issued by the owner one at a time:
// Write sends at once when the socket takes the whole frame (kDone), else the rest leaves later
// and OnWriteDone reports it (kPending). Reactions never run inline in Write or Close, so the
// owner may call them under its own locks.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "proto/raft/raft.pb.h"
#include "raft/transport/frame_codec.h"

namespace curve::raft {

// The dialer's first bytes on a raft connection.
inline constexpr char kRaftPreamble[] = "CRAFT/1\n";
// A received frame beyond this breaks the stream.
inline constexpr uint32_t kMaxWireFrameBytes = 128u << 20;

// Appends `frame`, length-prefixed, to *out.
void EncodeFrame(const WireFrame& frame, std::string* out);

// Reads length-prefixed frames from a blocking socket, taking whatever has arrived with each
// recv (a frame's prefix and body, or several frames, in one call).
class FrameReader {
 public:
  explicit FrameReader(int fd) : fd_(fd) {}
  // The next frame into *frame. False on end of stream, a socket error, an oversized or
  // unparsable frame.
  bool Next(WireFrame* frame);

 private:
  // Until at least `size` bytes are buffered.
  bool Fill(size_t size);

  const int fd_;
  std::string buffer_;
  size_t begin_ = 0;  // [begin_, end_) received, not yet parsed
  size_t end_ = 0;
};

class FrameStream;

// Receives a stream's events, on the stream's threads. Must not block.
class StreamOwner {
 public:
  virtual ~StreamOwner() = default;
  virtual void OnHello(FrameStream* stream, const WireHello& hello) = 0;
  virtual void OnFrame(FrameStream* stream, const WireFrame& frame) = 0;
  virtual void OnWriteDone(FrameStream* stream, bool ok) = 0;
  // The stream failed or the peer closed it: no more frames will arrive.
  virtual void OnBroken(FrameStream* stream) = 0;
  // Last call before the stream deletes itself.
  virtual void OnStreamDone(FrameStream* stream) = 0;
};

class FrameStream {
 public:
  enum class WriteResult { kClosed, kDone, kPending };

  // Dials node `peer` at `address` ("host:port", "[v6]:port"); connects on the stream's thread.
  static FrameStream* Dial(StreamOwner* owner, const std::string& address, NodeId peer);
  // Takes over `fd`, a connection accepted for the transport (its preamble already read).
  static FrameStream* Accept(StreamOwner* owner, int fd);

  FrameStream(const FrameStream&) = delete;
  FrameStream& operator=(const FrameStream&) = delete;

  bool outgoing() const { return outgoing_; }

  // Starts sending `frame`; see the header comment. kClosed: nothing sent, the stream is closed.
  WriteResult Write(const WireFrame& frame);
  // Shuts the connection down. Idempotent, thread-safe.
  void Close();

  // The peer's node id (the dialed node, or the acceptor's hello sender once known) and
  // incarnation; written by the transport under its lock, then read-only.
  std::atomic<NodeId> peer{kNoNode};
  std::atomic<uint64_t> peer_incarnation{0};
  // Owned by the transport: the encoder is used under the peer link's lock, the decoder by this
  // stream's reader thread.
  FrameEncoder encoder;
  FrameDecoder decoder;
  bool hello_sent = false;  // guarded by the link lock

 private:
  FrameStream(StreamOwner* owner, bool outgoing, std::string address, int fd);
  ~FrameStream() = default;

  void Start();
  void ReadLoop();
  void WriteLoop();
  // Dials address_; on success fd_ is set and the preamble sent.
  bool Connect();

  StreamOwner* const owner_;
  const bool outgoing_;
  const std::string address_;  // dialed streams

  std::mutex mu_;
  std::condition_variable cv_;
  int fd_ = -1;             // guarded by mu_ until connected, then read-only
  bool connected_ = false;  // guarded by mu_
  bool closed_ = false;     // guarded by mu_
  // The frame being written (with its length prefix) and how much of it has left; a frame
  // is pending when Write could not send it whole (or before the connection exists).
  std::string out_;  // guarded by mu_ while not pending; the writer thread's while pending
  size_t out_sent_ = 0;
  bool pending_ = false;  // guarded by mu_
  std::thread writer_;
};

}  // namespace curve::raft
