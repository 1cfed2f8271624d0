#pragma once

// TcpTransport: the Transport over TCP on a process's gRPC port.
//
// Connections: ONE raft connection per pair of processes (frame_stream.h: TCP to the peer's gRPC
// port, told apart from gRPC by its preamble) carries the frames of every group in both
// directions; snapshots travel as gRPC InstallSnapshot calls. Whoever first has something to
// send dials; when both dial at once, the stream dialed by the lower node id wins on both sides
// and the other is refused. A stream from a newer incarnation of a peer (it restarted) replaces
// the older one. A broken stream is redialed on demand, no sooner than an exponential backoff
// allows; meanwhile messages for that peer are dropped and reported unreachable.
//
// Batching: everything one Send call hands over for a peer joins that peer's SendQueue; a frame
// leaves as soon as the stream has no write in flight, carrying everything queued (up to a byte
// cap), sent by the thread that queued it when the socket takes it at once. So a driver pass that
// ticks a hundred groups sends one frame per peer, heartbeats coalesced in the compact form of
// frame_codec.h; under load, frames grow instead of multiplying.
//
// Backpressure: the queue is bounded in bytes and messages and merges heartbeats and
// acknowledgements (send_queue.h); a slow peer stops completing writes, the queue fills, further
// messages are dropped and their groups told OnUnreachable, so the leader falls back to probing
// that follower. Nothing blocks the caller and memory stays bounded.
//
// Thread-safety: all public methods are thread-safe. Handler callbacks run on the streams'
// reader threads and gRPC threads.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "raft/transport/send_queue.h"
#include "raft/transport/transport.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace curve::raft {

struct SnapshotTransferOptions {
  size_t max_concurrent_sends = 2;
  size_t chunk_bytes = 1 << 20;
  std::chrono::milliseconds timeout{10 * 60 * 1000};
  uint64_t max_data_bytes = 1ull << 32;  // refuse larger raft snapshot data on receipt
};

struct TcpTransportOptions {
  NodeId node_id = kNoNode;
  // Where this process listens ("host:port"), told to peers so they can dial back.
  std::string advertise_address;
  SendQueueLimits queue;
  std::chrono::milliseconds reconnect_initial_backoff{100};
  std::chrono::milliseconds reconnect_max_backoff{2000};
  SnapshotTransferOptions snapshot;
};

// Counters since start, for tests and benchmarks.
struct TransportStats {
  uint64_t frames_sent = 0;
  uint64_t frames_received = 0;
  uint64_t messages_sent = 0;
  uint64_t messages_received = 0;
  uint64_t messages_dropped = 0;
  uint64_t streams_dialed = 0;
  uint64_t streams_accepted = 0;
  uint64_t streams_refused = 0;
  uint64_t live_streams = 0;  // dialed or accepted, not yet torn down
};

class TcpTransport final : public Transport {
 public:
  // `handler` must outlive the transport.
  TcpTransport(const TcpTransportOptions& options, TransportHandler* handler);
  ~TcpTransport() override;  // Shutdown

  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  // The RaftTransport service (snapshots) to register on the process's gRPC server, whose
  // connections starting with kRaftPreamble (frame_stream.h) go to AcceptConnection.
  grpc::Service* service();
  // Takes over `fd`, a raft connection accepted on the gRPC port, its preamble read.
  void AcceptConnection(int fd);

  // Sets the address told to peers, when only known after the server started (port 0).
  void SetAdvertiseAddress(const std::string& address);

  void SetPeerAddress(NodeId node, const std::string& address) override;
  std::string PeerAddress(NodeId node) const override;
  void Send(NodeId to, std::vector<GroupMessage> messages) override;

  // Closes every stream, cancels snapshot transfers and waits for them. Later Sends drop
  // everything. Call before shutting down the gRPC server. Idempotent.
  void Shutdown();

  TransportStats stats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace curve::raft
