#include "raft/transport/send_queue.h"

#include <algorithm>

#include "raft/transport/frame_codec.h"

namespace curve::raft {

namespace {

bool IsAcceptingAck(const Message& m) {
  return m.type == MessageType::kAppendResp && !m.reject && m.entries.empty();
}

// Whether `newer` (sent after `older`) supersedes it.
bool Supersedes(const Message& newer, const Message& older, bool compare_index) {
  if (newer.term != older.term) return newer.term > older.term;
  return !compare_index || newer.index >= older.index;
}

}  // namespace

bool SendQueue::HasRoom(uint64_t bytes) const {
  return size() < limits_.max_messages && bytes_ + bytes <= limits_.max_bytes;
}

bool SendQueue::Push(GroupMessage* gm) {
  Message& m = gm->message;
  std::map<GroupId, Message>* merged = nullptr;
  bool compare_index = false;
  if (IsCompactHeartbeat(m)) {
    merged = &heartbeats_;
  } else if (IsCompactHeartbeatResponse(m)) {
    merged = &responses_;
  } else if (IsAcceptingAck(m)) {
    merged = &acks_;
    compare_index = true;
  }
  uint64_t bytes = MessageBytes(m);
  if (merged != nullptr) {
    auto it = merged->find(gm->group);
    if (it != merged->end()) {
      // Same size class either way: no change in bytes.
      if (Supersedes(m, it->second, compare_index)) it->second = std::move(m);
      return true;
    }
    if (!HasRoom(bytes)) return false;
    merged->emplace(gm->group, std::move(m));
    bytes_ += bytes;
    return true;
  }
  if (!HasRoom(bytes)) return false;
  bytes_ += bytes;
  fifo_.push_back(std::move(*gm));
  return true;
}

std::vector<GroupMessage> SendQueue::PopBatch() {
  std::vector<GroupMessage> batch;
  batch.reserve(std::min<size_t>(size(), 4096));
  uint64_t frame_bytes = 0;
  for (auto* merged : {&heartbeats_, &responses_, &acks_}) {
    for (auto& [group, m] : *merged) {
      uint64_t bytes = MessageBytes(m);
      frame_bytes += bytes;
      bytes_ -= bytes;
      batch.push_back(GroupMessage{group, std::move(m)});
    }
    merged->clear();
  }
  while (!fifo_.empty()) {
    uint64_t bytes = MessageBytes(fifo_.front().message);
    if (!batch.empty() && frame_bytes + bytes > limits_.max_frame_bytes) break;
    frame_bytes += bytes;
    bytes_ -= bytes;
    batch.push_back(std::move(fifo_.front()));
    fifo_.pop_front();
  }
  return batch;
}

std::vector<GroupId> SendQueue::Clear() {
  std::vector<GroupId> groups;
  for (const auto& [group, m] : acks_) groups.push_back(group);
  for (const GroupMessage& gm : fifo_) groups.push_back(gm.group);
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  heartbeats_.clear();
  responses_.clear();
  acks_.clear();
  fifo_.clear();
  bytes_ = 0;
  return groups;
}

}  // namespace curve::raft
