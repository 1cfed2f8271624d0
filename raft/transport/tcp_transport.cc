#include "raft/transport/tcp_transport.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <grpcpp/grpcpp.h>

#include "common/logging.h"
#include "common/rpc/retry.h"
#include "proto/raft/raft.grpc.pb.h"
#include "raft/transport/frame_stream.h"
#include "raft/transport/snapshot_transfer.h"

namespace curve::raft {

namespace {

rpc::RetryPolicy ReconnectPolicy(const TcpTransportOptions& options) {
  rpc::RetryPolicy policy;
  policy.initial_backoff = options.reconnect_initial_backoff;
  policy.max_backoff = options.reconnect_max_backoff;
  return policy;
}

// Heartbeats are resent every round anyway: losing one needs no report.
bool NeedsReport(const Message& m) {
  return !IsCompactHeartbeat(m) && !IsCompactHeartbeatResponse(m);
}

}  // namespace

class TcpTransport::Impl final : public StreamOwner, public RaftTransport::Service {
 public:
  Impl(const TcpTransportOptions& options, TransportHandler* handler)
      : options_(options),
        handler_(handler),
        incarnation_(
            std::random_device{}() ^
            static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())),
        transfers_(options.node_id, options.snapshot, handler) {
    advertise_address_ = options.advertise_address;
  }
  ~Impl() override { Shutdown(); }

  // ---- RaftTransport service ----
  grpc::Status InstallSnapshot(grpc::ServerContext* context,
                               grpc::ServerReader<WireSnapshotChunk>* reader,
                               WireSnapshotAck* /*ack*/) override {
    return transfers_.Receive(context, reader);
  }

  void AcceptConnection(int fd) {
    std::lock_guard<std::mutex> lock(streams_mu_);
    if (shutdown_) {
      ::close(fd);
      return;
    }
    streams_.insert(FrameStream::Accept(this, fd));
  }

  // ---- Transport ----
  void SetAdvertiseAddress(const std::string& address) {
    std::lock_guard<std::mutex> lock(links_mu_);
    advertise_address_ = address;
  }

  void SetPeerAddress(NodeId node, const std::string& address) {
    Link* link = GetLink(node);
    std::lock_guard<std::mutex> lock(link->mu);
    SetAddressLocked(link, address);
  }

  std::string PeerAddress(NodeId node) const {
    Link* link = FindLink(node);
    if (link == nullptr) return "";
    std::lock_guard<std::mutex> lock(link->mu);
    return link->address;
  }

  void Send(NodeId to, std::vector<GroupMessage> messages) {
    std::vector<GroupId> unreachable;
    std::vector<GroupMessage> snapshots;
    std::shared_ptr<grpc::Channel> channel;
    Link* link = GetLink(to);
    {
      std::lock_guard<std::mutex> lock(link->mu);
      if (link->active == nullptr) MaybeDialLocked(link);
      for (GroupMessage& gm : messages) {
        if (gm.message.type == MessageType::kSnapshot) {
          snapshots.push_back(std::move(gm));
        } else if (link->active == nullptr || !link->queue.Push(&gm)) {
          stats_.dropped.fetch_add(1, std::memory_order_relaxed);
          if (NeedsReport(gm.message)) unreachable.push_back(gm.group);
        }
      }
      MaybeWriteLocked(link);
      if (!snapshots.empty()) channel = EnsureChannelLocked(link);
    }
    for (GroupMessage& gm : snapshots) transfers_.Send(gm.group, std::move(gm.message), channel);
    Report(to, &unreachable);
  }

  void Shutdown() {
    {
      std::lock_guard<std::mutex> lock(streams_mu_);
      if (shutdown_) return;
      shutdown_ = true;
    }
    std::vector<Link*> links;
    {
      std::lock_guard<std::mutex> lock(links_mu_);
      for (auto& [id, link] : links_) links.push_back(link.get());
    }
    for (Link* link : links) {
      FrameStream* stream = nullptr;
      std::vector<GroupId> ignored;
      {
        std::lock_guard<std::mutex> lock(link->mu);
        if (link->active != nullptr) stream = DetachLocked(link, &ignored, /*backoff=*/false);
      }
      if (stream != nullptr) stream->Close();
    }
    transfers_.Shutdown();
    std::unique_lock<std::mutex> lock(streams_mu_);
    for (FrameStream* stream : streams_) stream->Close();
    if (!streams_cv_.wait_for(lock, std::chrono::seconds(10), [&] { return streams_.empty(); })) {
      log::Get("raft")->error("op=TransportShutdown streams_left={}", streams_.size());
    }
  }

  TransportStats stats() const {
    TransportStats s;
    s.frames_sent = stats_.frames_sent.load();
    s.frames_received = stats_.frames_received.load();
    s.messages_sent = stats_.messages_sent.load();
    s.messages_received = stats_.messages_received.load();
    s.messages_dropped = stats_.dropped.load();
    s.streams_dialed = stats_.dialed.load();
    s.streams_accepted = stats_.accepted.load();
    s.streams_refused = stats_.refused.load();
    std::lock_guard<std::mutex> lock(streams_mu_);
    s.live_streams = streams_.size();
    return s;
  }

  // ---- StreamOwner ----
  void OnHello(FrameStream* stream, const WireHello& hello) override {
    if (stream->outgoing()) {
      if (hello.node_id() != stream->peer) {
        log::Get("raft")->error("op=Dial peer={} err=\"the peer's address answers as node {}\"",
                                stream->peer.load(), hello.node_id());
        Fail(stream);
        return;
      }
      stream->peer_incarnation = hello.incarnation();
      Link* link = GetLink(stream->peer);
      std::lock_guard<std::mutex> lock(link->mu);
      if (link->active == stream) link->backoff.Reset();
      return;
    }
    Accept(stream, hello);
  }

  void OnFrame(FrameStream* stream, const WireFrame& frame) override {
    NodeId from = stream->peer;
    if (from == kNoNode) return;  // refused before its hello was accepted
    std::vector<GroupMessage> messages;
    Status status = stream->decoder.Decode(frame, from, options_.node_id, &messages);
    if (!status.ok()) {
      log::Get("raft")->error("op=ReceiveFrame peer={} err=\"{}\"", from, status.ToString());
      Fail(stream);
      return;
    }
    stats_.frames_received.fetch_add(1, std::memory_order_relaxed);
    stats_.messages_received.fetch_add(messages.size(), std::memory_order_relaxed);
    if (!messages.empty()) handler_->OnMessages(from, std::move(messages));
  }

  void OnWriteDone(FrameStream* stream, bool ok) override {
    Link* link = FindLink(stream->peer);
    if (link == nullptr) return;
    FrameStream* to_close = nullptr;
    std::vector<GroupId> unreachable;
    {
      std::lock_guard<std::mutex> lock(link->mu);
      if (link->active != stream) return;
      link->writing = false;
      if (ok) {
        MaybeWriteLocked(link);
      } else {
        to_close = DetachLocked(link, &unreachable, /*backoff=*/stream->outgoing());
      }
    }
    if (to_close != nullptr) to_close->Close();
    Report(link->id, &unreachable);
  }

  void OnBroken(FrameStream* stream) override { Fail(stream); }

  void OnStreamDone(FrameStream* stream) override {
    std::lock_guard<std::mutex> lock(streams_mu_);
    streams_.erase(stream);
    streams_cv_.notify_all();
  }

 private:
  struct Link {
    Link(NodeId node, const TcpTransportOptions& options)
        : id(node), queue(options.queue), backoff(ReconnectPolicy(options), node) {}
    const NodeId id;
    std::mutex mu;
    std::string address;
    std::shared_ptr<grpc::Channel> channel;  // for snapshots
    SendQueue queue;
    FrameStream* active = nullptr;  // the stream used for sending, dialed or accepted
    bool writing = false;           // a frame is in flight on `active`
    std::chrono::steady_clock::time_point retry_at{};
    rpc::Backoff backoff;
    // Groups with more than heartbeats written on `active`: if it breaks, those may be lost.
    std::unordered_set<GroupId> sent_groups;
  };

  Link* GetLink(NodeId node) {
    std::lock_guard<std::mutex> lock(links_mu_);
    std::unique_ptr<Link>& link = links_[node];
    if (link == nullptr) link = std::make_unique<Link>(node, options_);
    return link.get();
  }

  Link* FindLink(NodeId node) const {
    std::lock_guard<std::mutex> lock(links_mu_);
    auto it = links_.find(node);
    return it == links_.end() ? nullptr : it->second.get();
  }

  bool ShuttingDown() {
    std::lock_guard<std::mutex> lock(streams_mu_);
    return shutdown_;
  }

  std::string AdvertiseAddress() const {
    std::lock_guard<std::mutex> lock(links_mu_);
    return advertise_address_;
  }

  void SetAddressLocked(Link* link, const std::string& address) {
    if (link->address == address) return;
    link->address = address;
    link->channel.reset();  // transfers under way keep theirs
  }

  // The gRPC channel snapshots travel on.
  std::shared_ptr<grpc::Channel> EnsureChannelLocked(Link* link) {
    if (link->channel == nullptr && !link->address.empty()) {
      link->channel = rpc::MakeChannel(link->address);
    }
    return link->channel;
  }

  void MaybeDialLocked(Link* link) {
    if (link->address.empty() || std::chrono::steady_clock::now() < link->retry_at) return;
    std::lock_guard<std::mutex> lock(streams_mu_);
    if (shutdown_) return;
    FrameStream* stream = FrameStream::Dial(this, link->address, link->id);
    streams_.insert(stream);
    link->active = stream;
    link->writing = false;
    stats_.dialed.fetch_add(1, std::memory_order_relaxed);
  }

  // Sends frames on the link's stream while it is idle and has something to send: its hello
  // first, then whatever is queued.
  void MaybeWriteLocked(Link* link) {
    while (true) {
      FrameStream* stream = link->active;
      if (stream == nullptr || link->writing) return;
      if (stream->hello_sent && link->queue.empty()) return;
      WireFrame frame;
      if (!stream->hello_sent) {
        WireHello* hello = frame.mutable_hello();
        hello->set_node_id(options_.node_id);
        hello->set_address(AdvertiseAddress());
        hello->set_incarnation(incarnation_);
        hello->set_expected_peer(link->id);
        stream->hello_sent = true;
      }
      std::vector<GroupMessage> batch = link->queue.PopBatch();
      for (const GroupMessage& gm : batch) {
        if (NeedsReport(gm.message)) link->sent_groups.insert(gm.group);
      }
      stream->encoder.Encode(batch, &frame);
      FrameStream::WriteResult result = stream->Write(frame);
      if (result == FrameStream::WriteResult::kClosed) return;  // its OnBroken reports the loss
      stats_.frames_sent.fetch_add(1, std::memory_order_relaxed);
      stats_.messages_sent.fetch_add(batch.size(), std::memory_order_relaxed);
      link->writing = result == FrameStream::WriteResult::kPending;
    }
  }

  // Stops using the link's stream (the caller closes it, outside the lock) and drops what was
  // queued; every group that may have lost a message is added to *unreachable.
  FrameStream* DetachLocked(Link* link, std::vector<GroupId>* unreachable, bool backoff) {
    FrameStream* stream = link->active;
    link->active = nullptr;
    link->writing = false;
    for (GroupId group : link->queue.Clear()) unreachable->push_back(group);
    unreachable->insert(unreachable->end(), link->sent_groups.begin(), link->sent_groups.end());
    link->sent_groups.clear();
    if (backoff) link->retry_at = std::chrono::steady_clock::now() + link->backoff.Next();
    return stream;
  }

  void Accept(FrameStream* stream, const WireHello& hello) {
    NodeId from = hello.node_id();
    if (from == kNoNode || from == options_.node_id ||
        (hello.expected_peer() != kNoNode && hello.expected_peer() != options_.node_id)) {
      log::Get("raft")->error("op=Accept from={} expected={} err=\"not meant for node {}\"", from,
                              hello.expected_peer(), options_.node_id);
      stats_.refused.fetch_add(1, std::memory_order_relaxed);
      stream->Close();
      return;
    }
    Link* link = GetLink(from);
    FrameStream* to_close = nullptr;
    std::vector<GroupId> unreachable;
    bool adopted = false;
    {
      std::lock_guard<std::mutex> lock(link->mu);
      if (link->address.empty() && !hello.address().empty()) {
        SetAddressLocked(link, hello.address());
      }
      FrameStream* current = link->active;
      bool adopt;
      if (ShuttingDown()) {
        adopt = false;
      } else if (current == nullptr || !current->outgoing()) {
        adopt = true;  // nothing yet, or a newer stream from the peer replaces its older one
      } else if (current->peer_incarnation != 0 &&
                 current->peer_incarnation != hello.incarnation()) {
        adopt = true;  // our stream reaches an earlier incarnation of the peer
      } else {
        adopt = from < options_.node_id;  // both dialed: the lower node id's stream wins
      }
      if (adopt) {
        stream->peer = from;
        stream->peer_incarnation = hello.incarnation();
        if (current != nullptr) to_close = DetachLocked(link, &unreachable, /*backoff=*/false);
        link->active = stream;
        link->writing = false;
        MaybeWriteLocked(link);
        adopted = true;
      }
    }
    if (to_close != nullptr) to_close->Close();
    Report(from, &unreachable);
    if (adopted) {
      stats_.accepted.fetch_add(1, std::memory_order_relaxed);
    } else {
      stats_.refused.fetch_add(1, std::memory_order_relaxed);
      stream->Close();  // a stream to this peer exists
    }
  }

  void Fail(FrameStream* stream) {
    NodeId peer = stream->peer;
    Link* link = peer == kNoNode ? nullptr : FindLink(peer);
    std::vector<GroupId> unreachable;
    if (link != nullptr) {
      std::lock_guard<std::mutex> lock(link->mu);
      if (link->active == stream) DetachLocked(link, &unreachable, stream->outgoing());
    }
    stream->Close();
    if (link != nullptr) Report(peer, &unreachable);
  }

  void Report(NodeId to, std::vector<GroupId>* groups) {
    if (groups->empty()) return;
    std::sort(groups->begin(), groups->end());
    groups->erase(std::unique(groups->begin(), groups->end()), groups->end());
    handler_->OnUnreachable(to, *groups);
  }

  const TcpTransportOptions options_;
  TransportHandler* const handler_;
  const uint64_t incarnation_;
  SnapshotTransfers transfers_;

  mutable std::mutex links_mu_;
  std::unordered_map<NodeId, std::unique_ptr<Link>> links_;  // guarded by links_mu_
  std::string advertise_address_;                            // guarded by links_mu_

  mutable std::mutex streams_mu_;
  std::condition_variable streams_cv_;
  bool shutdown_ = false;           // guarded by streams_mu_
  std::set<FrameStream*> streams_;  // every live stream; guarded by streams_mu_

  struct Counters {
    std::atomic<uint64_t> frames_sent{0}, frames_received{0}, messages_sent{0},
        messages_received{0}, dropped{0}, dialed{0}, accepted{0}, refused{0};
  };
  Counters stats_;
};

TcpTransport::TcpTransport(const TcpTransportOptions& options, TransportHandler* handler)
    : impl_(std::make_unique<Impl>(options, handler)) {}

TcpTransport::~TcpTransport() { impl_->Shutdown(); }

grpc::Service* TcpTransport::service() { return impl_.get(); }
void TcpTransport::SetAdvertiseAddress(const std::string& address) {
  impl_->SetAdvertiseAddress(address);
}
void TcpTransport::SetPeerAddress(NodeId node, const std::string& address) {
  impl_->SetPeerAddress(node, address);
}
std::string TcpTransport::PeerAddress(NodeId node) const { return impl_->PeerAddress(node); }
void TcpTransport::Send(NodeId to, std::vector<GroupMessage> messages) {
  impl_->Send(to, std::move(messages));
}
void TcpTransport::AcceptConnection(int fd) { impl_->AcceptConnection(fd); }
void TcpTransport::Shutdown() { impl_->Shutdown(); }
TransportStats TcpTransport::stats() const { return impl_->stats(); }

}  // namespace curve::raft
