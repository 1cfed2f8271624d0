#pragma once

// SnapshotTransfers: InstallSnapshot, both ends.
//
// Sending: each snapshot message becomes one client-streaming call on its own thread (a few at
// most at once): a header with the group, term and snapshot metadata, the raft snapshot's own
// data in chunks, then the application's extra payload from its SnapshotReader. The outcome is
// reported exactly once through TransportHandler::OnSnapshotSent.
//
// Receiving: the header opens the application's SnapshotWriter, chunks are written to it and
// the raft data reassembled; when the stream ends complete, the writer is finished and the
// snapshot message is handed to the group like any other message (the core then installs it in
// its next Ready, and the application loads it). The call answers OK once handed over.
//
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "proto/raft/raft.grpc.pb.h"
#include "raft/transport/tcp_transport.h"
#include "raft/transport/transport.h"

namespace curve::raft {

class SnapshotTransfers {
 public:
  SnapshotTransfers(NodeId self, const SnapshotTransferOptions& options, TransportHandler* handler);
  ~SnapshotTransfers();  // Shutdown

  // Sends snapshot message `m` of `group` to node m.to over `channel` in the background. When
  // too many transfers run already, reports failure at once.
  void Send(GroupId group, Message m, std::shared_ptr<grpc::Channel> channel);

  // Serves one incoming InstallSnapshot call.
  grpc::Status Receive(grpc::ServerContext* context, grpc::ServerReader<WireSnapshotChunk>* reader);

  // Cancels transfers in flight (each reports failure) and waits for their threads.
  void Shutdown();

 private:
  struct Transfer {
    grpc::ClientContext context;
    std::thread thread;
    bool done = false;
  };

  grpc::Status Run(Transfer* transfer, GroupId group, const Message& m,
                   const std::shared_ptr<grpc::Channel>& channel);
  void ReapLocked(std::list<std::unique_ptr<Transfer>>* finished);

  const NodeId self_;
  const SnapshotTransferOptions options_;
  TransportHandler* const handler_;

  std::mutex mu_;
  bool shutdown_ = false;                        // guarded by mu_
  std::list<std::unique_ptr<Transfer>> active_;  // guarded by mu_
};

}  // namespace curve::raft
