#pragma once

// FrameStream: one end of a RaftTransport.Stream call, dialed by this process
// (ClientFrameStream) or accepted from a peer (ServerFrameStream), on gRPC's callback API.
//
// Lifetime: the stream deletes itself after gRPC's OnDone, which cannot come before Close has
// been called: every stream must be closed exactly when its owner stops using it (Close is
// idempotent). After OnStreamDone the pointer is dangling.
//
// Reads run continuously from the start: each frame goes to the owner (OnHello for the first
// frame's hello, then OnFrame), and a failed read ends in OnBroken. Writes are issued by the
// owner, one at a time (Write, then wait for OnWriteDone). Reactions never run inline in Write or
// Close, so the owner may call them under its own locks.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include <grpcpp/grpcpp.h>

#include "proto/raft/raft.grpc.pb.h"
#include "raft/transport/frame_codec.h"

namespace curve::raft {

class FrameStream;

// Receives a stream's events, on gRPC threads. Must not block.
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
  virtual ~FrameStream() = default;

  bool outgoing() const { return outgoing_; }

  // Starts writing `frame`. False (and nothing written) once closed.
  bool Write(WireFrame frame);
  // Cancels (client) or finishes (server) the call. Idempotent, thread-safe.
  void Close();

  // The peer's node id (the dialed node, or the acceptor's hello sender once known) and
  // incarnation; written by the transport under its lock, then read-only.
  std::atomic<NodeId> peer{kNoNode};
  std::atomic<uint64_t> peer_incarnation{0};
  // Owned by the transport: the encoder is used under the peer link's lock, the decoder by this
  // stream's read reactions.
  FrameEncoder encoder;
  FrameDecoder decoder;
  bool hello_sent = false;      // guarded by the link lock
  bool hello_received = false;  // read reactions only

 protected:
  FrameStream(StreamOwner* owner, bool outgoing) : owner_(owner), outgoing_(outgoing) {}

  // Called with mu_ held.
  virtual void StartWriteLocked(const WireFrame* frame) = 0;
  virtual void StartReadLocked(WireFrame* frame) = 0;
  virtual void CloseLocked() = 0;

  // The body of OnReadDone for both kinds.
  void HandleRead(bool ok);
  void ContinueReading();

  StreamOwner* const owner_;
  const bool outgoing_;
  std::mutex mu_;
  bool closed_ = false;  // guarded by mu_
  WireFrame in_;
  WireFrame out_;
};

class ClientFrameStream final : public FrameStream,
                                public grpc::ClientBidiReactor<WireFrame, WireFrame> {
 public:
  // Starts the call to node `peer` on `stub`, which must outlive the stream.
  static ClientFrameStream* Start(StreamOwner* owner, RaftTransport::Stub* stub, NodeId peer);

  void OnReadDone(bool ok) override { HandleRead(ok); }
  void OnWriteDone(bool ok) override { owner_->OnWriteDone(this, ok); }
  void OnDone(const grpc::Status& status) override;

 private:
  explicit ClientFrameStream(StreamOwner* owner) : FrameStream(owner, /*outgoing=*/true) {}

  void StartWriteLocked(const WireFrame* frame) override { StartWrite(frame); }
  void StartReadLocked(WireFrame* frame) override { StartRead(frame); }
  void CloseLocked() override;

  grpc::ClientContext context_;
};

class ServerFrameStream final : public FrameStream,
                                public grpc::ServerBidiReactor<WireFrame, WireFrame> {
 public:
  // Accepts a call; when `refuse` is set it is finished at once with UNAVAILABLE.
  ServerFrameStream(StreamOwner* owner, bool refuse);

  void OnReadDone(bool ok) override { HandleRead(ok); }
  void OnWriteDone(bool ok) override { owner_->OnWriteDone(this, ok); }
  void OnDone() override;

  // Finishes with `status` instead of OK (e.g. a refused duplicate stream). Idempotent with Close.
  void Refuse(const grpc::Status& status);

 private:
  void StartWriteLocked(const WireFrame* frame) override { StartWrite(frame); }
  void StartReadLocked(WireFrame* frame) override { StartRead(frame); }
  void CloseLocked() override { Finish(finish_status_); }

  grpc::Status finish_status_;
};

}  // namespace curve::raft
