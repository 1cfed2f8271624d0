#include "raft/transport/frame_stream.h"

namespace curve::raft {

bool FrameStream::Write(WireFrame frame) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return false;
  out_ = std::move(frame);
  StartWriteLocked(&out_);
  return true;
}

void FrameStream::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  CloseLocked();
}

void FrameStream::ContinueReading() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!closed_) StartReadLocked(&in_);
}

void FrameStream::HandleRead(bool ok) {
  if (!ok) {
    owner_->OnBroken(this);
    return;
  }
  if (!hello_received) {
    hello_received = true;
    if (!in_.has_hello()) {
      owner_->OnBroken(this);
      return;
    }
    owner_->OnHello(this, in_.hello());
  }
  owner_->OnFrame(this, in_);
  in_.Clear();
  ContinueReading();
}

ClientFrameStream* ClientFrameStream::Start(StreamOwner* owner, RaftTransport::Stub* stub,
                                            NodeId peer) {
  auto* stream = new ClientFrameStream(owner);
  stream->peer = peer;
  stub->async()->Stream(&stream->context_, stream);
  // Writes and Close come from outside reactions: hold the call open until Close.
  stream->AddHold();
  {
    std::lock_guard<std::mutex> lock(stream->mu_);
    stream->StartRead(&stream->in_);
  }
  stream->StartCall();
  return stream;
}

void ClientFrameStream::CloseLocked() {
  context_.TryCancel();
  RemoveHold();
}

void ClientFrameStream::OnDone(const grpc::Status& /*status*/) {
  owner_->OnStreamDone(this);
  delete this;
}

ServerFrameStream::ServerFrameStream(StreamOwner* owner, bool refuse)
    : FrameStream(owner, /*outgoing=*/false) {
  std::lock_guard<std::mutex> lock(mu_);
  if (refuse) {
    closed_ = true;
    Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "raft transport is shutting down"));
    return;
  }
  StartRead(&in_);
}

void ServerFrameStream::Refuse(const grpc::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  Finish(status);
}

void ServerFrameStream::OnDone() {
  owner_->OnStreamDone(this);
  delete this;
}

}  // namespace curve::raft
