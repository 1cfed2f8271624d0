#pragma once

// Framing: raft messages of many groups in one proto Frame, and back.
//
// Every message but a snapshot travels in a Frame. Heartbeats and heartbeat responses, by far
// the most frequent messages of an idle multi-raft process, go in packed parallel arrays; one
// whose only change since the previous heartbeat of its group on the same stream is read_seq + 1
// travels as its bare group id (the "routine" list) and is rebuilt on receipt. Both ends keep
// that per-stream memory (FrameEncoder, FrameDecoder), which is sound because a stream delivers
// frames reliably and in order; a new stream starts from scratch.
//
// Neither class is thread-safe: one encoder per stream is used under its link's lock, one
// decoder per stream by its read reactions, which never run concurrently.

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "proto/raft/raft.pb.h"
#include "raft/transport/transport.h"

namespace curve::raft {

// Approximate bytes a queued message holds, for queue and frame byte caps.
uint64_t MessageBytes(const Message& m);

// Heartbeats and their responses that fit the packed form exactly (every other field default).
bool IsCompactHeartbeat(const Message& m);
bool IsCompactHeartbeatResponse(const Message& m);

// Message <-> WireMessage, without from/to (implied by the stream). Snapshots are not framed.
void ToProto(GroupId group, const Message& m, WireMessage* out);
// InvalidArgument for an unknown message or entry type.
Status FromProto(const WireMessage& in, NodeId from, NodeId to, GroupMessage* out);

void ToProto(const SnapshotMeta& meta, WireSnapshotMeta* out);
SnapshotMeta FromProto(const WireSnapshotMeta& in);

class FrameEncoder {
 public:
  // Adds `messages` to `frame`. At most one heartbeat and one heartbeat response per group may
  // be among them (SendQueue merges them); kSnapshot messages must not.
  void Encode(const std::vector<GroupMessage>& messages, WireFrame* frame);

 private:
  struct Beat {
    Term term = 0;
    Index commit = 0;
    uint64_t read_seq = 0;
  };
  static void EncodeBeat(GroupId group, const Beat& beat, bool with_commit,
                         std::unordered_map<GroupId, Beat>* last, WireHeartbeats* out);

  std::unordered_map<GroupId, Beat> heartbeats_;
  std::unordered_map<GroupId, Beat> responses_;
};

class FrameDecoder {
 public:
  // Appends the messages of `frame`, sent by node `from` to node `to`, to *out. InvalidArgument
  // for a malformed frame (unknown types, arrays of unequal length, a routine heartbeat of a
  // group never seen on this stream): the stream must then be closed.
  Status Decode(const WireFrame& frame, NodeId from, NodeId to, std::vector<GroupMessage>* out);

 private:
  struct Beat {
    Term term = 0;
    Index commit = 0;
    uint64_t read_seq = 0;
  };
  static Status DecodeBeats(const WireHeartbeats& batch, MessageType type, NodeId from, NodeId to,
                            std::unordered_map<GroupId, Beat>* last,
                            std::vector<GroupMessage>* out);

  std::unordered_map<GroupId, Beat> heartbeats_;
  std::unordered_map<GroupId, Beat> responses_;
};

}  // namespace curve::raft
