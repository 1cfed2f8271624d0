#pragma once

// SendQueue: the bounded queue of messages waiting for one peer's connection.
//
// Raft tolerates lost, duplicated and reordered messages, so the queue may merge and drop:
//   - a heartbeat (or heartbeat response) replaces the queued one of the same group: the newer
//     carries a commit and read round at least as recent, and the older is as good as lost;
//   - an accepting append response replaces the queued accepting one of the same group and term
//     when its index is higher (it acknowledges everything the older did);
//   - when the queue is at its byte or message cap, a new message is refused: the caller drops it
//     and tells the group its peer is unreachable, so the leader probes instead of pipelining.
// Merged heartbeats are what let one frame per peer carry one heartbeat per group no matter how
// long the connection was busy.
//
// Not thread-safe: the owning PeerLink locks around it.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "raft/transport/transport.h"

namespace curve::raft {

struct SendQueueLimits {
  uint64_t max_bytes = 64ull << 20;
  size_t max_messages = 65536;
  // A batch popped for one frame stops before exceeding this (always at least one message).
  uint64_t max_frame_bytes = 4ull << 20;
};

class SendQueue {
 public:
  explicit SendQueue(const SendQueueLimits& limits) : limits_(limits) {}

  // Queues `m`, merging as described above. False when it was refused (queue full); the message
  // is then left untouched in *m.
  bool Push(GroupMessage* m);

  // Removes and returns the next frame's worth: every merged heartbeat and response, then the
  // oldest other messages up to max_frame_bytes.
  std::vector<GroupMessage> PopBatch();

  // Drops everything. Returns the groups whose dropped messages included anything but
  // heartbeats, which should be told their peer is unreachable.
  std::vector<GroupId> Clear();

  bool empty() const { return size() == 0; }
  size_t size() const {
    return heartbeats_.size() + responses_.size() + acks_.size() + fifo_.size();
  }
  uint64_t bytes() const { return bytes_; }

 private:
  bool HasRoom(uint64_t bytes) const;

  SendQueueLimits limits_;
  std::map<GroupId, Message> heartbeats_;
  std::map<GroupId, Message> responses_;
  std::map<GroupId, Message> acks_;  // accepting append responses
  std::deque<GroupMessage> fifo_;
  uint64_t bytes_ = 0;
};

}  // namespace curve::raft
