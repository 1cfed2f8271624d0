#pragma once

// Transport: moves raft messages between the processes of a multi-raft deployment.
//
// A process is one raft node in every group it hosts: its NodeId is the same in all of them,
// and peers are addressed by NodeId through an address book ("host:port"). The transport keeps
// one connection per peer process, multiplexing every group, and batches what the driver hands
// it in one call into one frame per peer. It never blocks the caller: a peer that is down or
// slow gets its messages dropped (raft tolerates loss) and the groups concerned are told, through
// TransportHandler::OnUnreachable, to stop pipelining to it.
//
// Snapshot messages (MessageType::kSnapshot) are not framed with the others: the transport
// streams the snapshot in chunks to the peer, with the application's own payload (see
// SnapshotSource and SnapshotSink), and reports the outcome with OnSnapshotSent.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "raft/core/message.h"
#include "raft/core/types.h"

namespace curve::raft {

using GroupId = uint64_t;

struct GroupMessage {
  GroupId group = 0;
  Message message;
};

// Reads the application's part of a snapshot being sent, piece by piece. Used by one thread.
class SnapshotReader {
 public:
  virtual ~SnapshotReader() = default;
  // Stores the next piece in *chunk and returns true, or returns false at the end.
  virtual Result<bool> Next(std::string* chunk) = 0;
};

// Receives the application's part of a snapshot. Used by one thread. Finish is called once
// every piece was written; if the transfer fails the writer is destroyed without Finish and must
// discard what it staged.
class SnapshotWriter {
 public:
  virtual ~SnapshotWriter() = default;
  virtual Status Write(const std::string& chunk) = 0;
  virtual Status Finish() = 0;
};

// What the transport calls back into (the node layer). Methods are called on transport threads,
// concurrently, and must not block.
class TransportHandler {
 public:
  virtual ~TransportHandler() = default;

  // Messages received from node `from`, already addressed (from, to) for RaftCore::Step.
  virtual void OnMessages(NodeId from, std::vector<GroupMessage> messages) = 0;

  // Messages to `to` for these groups were dropped (peer down, slow or refusing): each group
  // should call RaftCore::ReportUnreachable(to).
  virtual void OnUnreachable(NodeId to, const std::vector<GroupId>& groups) = 0;

  // The snapshot message given to Send for (group, to) was delivered and handed to the peer's
  // group (true), or the transfer failed (false). Called exactly once per snapshot message.
  virtual void OnSnapshotSent(GroupId group, NodeId to, bool success) = 0;

  // The application's extra snapshot payload for `snapshot` of `group` (e.g. chunk files), or
  // nullptr when the raft snapshot's own data is all there is. May block (runs on a transfer
  // thread).
  virtual Result<std::unique_ptr<SnapshotReader>> OpenSnapshotReader(GroupId group,
                                                                     const Snapshot& snapshot) = 0;
  // Where to stage the extra payload of an incoming snapshot; nullptr discards it. May block.
  virtual Result<std::unique_ptr<SnapshotWriter>> OpenSnapshotWriter(GroupId group, NodeId from,
                                                                     const SnapshotMeta& meta) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Adds or changes a peer's address. Thread-safe.
  virtual void SetPeerAddress(NodeId node, const std::string& address) = 0;
  // "" when unknown.
  virtual std::string PeerAddress(NodeId node) const = 0;

  // Hands over every message for node `to` produced in one driver pass; they leave in one frame
  // (or a few when large) as soon as the connection allows. Never blocks. Messages that cannot be
  // queued are dropped and reported through OnUnreachable. Thread-safe.
  virtual void Send(NodeId to, std::vector<GroupMessage> messages) = 0;
};

}  // namespace curve::raft
