#include "raft/transport/frame_codec.h"

#include <string>

namespace curve::raft {

namespace {

constexpr uint32_t kMaxMessageType = static_cast<uint32_t>(MessageType::kTimeoutNow);
constexpr uint32_t kMaxEntryType = static_cast<uint32_t>(EntryType::kNoop);

bool OnlyBeatFields(const Message& m) {
  return m.log_term == 0 && m.index == 0 && m.entries.empty() && !m.reject && m.reject_hint == 0 &&
         !m.transfer && !m.snapshot;
}

}  // namespace

uint64_t MessageBytes(const Message& m) {
  uint64_t bytes = 64;
  for (const Entry& e : m.entries) bytes += e.ByteSize();
  if (m.snapshot) bytes += m.snapshot->data.size();
  return bytes;
}

bool IsCompactHeartbeat(const Message& m) {
  return m.type == MessageType::kHeartbeat && OnlyBeatFields(m);
}

bool IsCompactHeartbeatResponse(const Message& m) {
  return m.type == MessageType::kHeartbeatResp && m.commit == 0 && OnlyBeatFields(m);
}

void ToProto(GroupId group, const Message& m, WireMessage* out) {
  out->set_group(group);
  out->set_type(static_cast<uint32_t>(m.type));
  out->set_term(m.term);
  out->set_log_term(m.log_term);
  out->set_index(m.index);
  out->set_commit(m.commit);
  out->mutable_entries()->Reserve(static_cast<int>(m.entries.size()));
  for (const Entry& e : m.entries) {
    WireEntry* pe = out->add_entries();
    pe->set_term(e.term);
    pe->set_index(e.index);
    pe->set_type(static_cast<uint32_t>(e.type));
    pe->set_data(e.data);
  }
  out->set_reject(m.reject);
  out->set_reject_hint(m.reject_hint);
  out->set_read_seq(m.read_seq);
  out->set_transfer(m.transfer);
}

Status FromProto(const WireMessage& in, NodeId from, NodeId to, GroupMessage* out) {
  if (in.type() > kMaxMessageType || in.type() == static_cast<uint32_t>(MessageType::kSnapshot)) {
    return InvalidArgumentError("frame carries a message of unknown type " +
                                std::to_string(in.type()));
  }
  out->group = in.group();
  Message& m = out->message;
  m.type = static_cast<MessageType>(in.type());
  m.from = from;
  m.to = to;
  m.term = in.term();
  m.log_term = in.log_term();
  m.index = in.index();
  m.commit = in.commit();
  m.entries.clear();
  m.entries.reserve(in.entries_size());
  for (const WireEntry& pe : in.entries()) {
    if (pe.type() > kMaxEntryType) {
      return InvalidArgumentError("frame carries an entry of unknown type " +
                                  std::to_string(pe.type()));
    }
    m.entries.push_back(Entry{.term = pe.term(),
                              .index = pe.index(),
                              .type = static_cast<EntryType>(pe.type()),
                              .data = pe.data()});
  }
  m.reject = in.reject();
  m.reject_hint = in.reject_hint();
  m.read_seq = in.read_seq();
  m.transfer = in.transfer();
  m.snapshot.reset();
  return Status::Ok();
}

void ToProto(const SnapshotMeta& meta, WireSnapshotMeta* out) {
  out->set_index(meta.index);
  out->set_term(meta.term);
  for (NodeId id : meta.config.voters) out->add_voters(id);
}

SnapshotMeta FromProto(const WireSnapshotMeta& in) {
  SnapshotMeta meta;
  meta.index = in.index();
  meta.term = in.term();
  meta.config.voters.assign(in.voters().begin(), in.voters().end());
  return meta;
}

void FrameEncoder::EncodeBeat(GroupId group, const Beat& beat, bool with_commit,
                              std::unordered_map<GroupId, Beat>* last, WireHeartbeats* out) {
  auto it = last->find(group);
  if (it != last->end() && it->second.term == beat.term && it->second.commit == beat.commit &&
      it->second.read_seq + 1 == beat.read_seq) {
    out->add_routine(group);
  } else {
    out->add_group(group);
    out->add_term(beat.term);
    if (with_commit) out->add_commit(beat.commit);
    out->add_read_seq(beat.read_seq);
  }
  (*last)[group] = beat;
}

void FrameEncoder::Encode(const std::vector<GroupMessage>& messages, WireFrame* frame) {
  for (const GroupMessage& gm : messages) {
    const Message& m = gm.message;
    if (IsCompactHeartbeat(m)) {
      EncodeBeat(gm.group, Beat{m.term, m.commit, m.read_seq}, /*with_commit=*/true, &heartbeats_,
                 frame->mutable_heartbeats());
    } else if (IsCompactHeartbeatResponse(m)) {
      EncodeBeat(gm.group, Beat{m.term, 0, m.read_seq}, /*with_commit=*/false, &responses_,
                 frame->mutable_heartbeat_responses());
    } else {
      ToProto(gm.group, m, frame->add_messages());
    }
  }
}

Status FrameDecoder::DecodeBeats(const WireHeartbeats& batch, MessageType type, NodeId from,
                                 NodeId to, std::unordered_map<GroupId, Beat>* last,
                                 std::vector<GroupMessage>* out) {
  bool with_commit = type == MessageType::kHeartbeat;
  int n = batch.group_size();
  if (batch.term_size() != n || batch.read_seq_size() != n ||
      (with_commit ? batch.commit_size() != n : batch.commit_size() != 0)) {
    return InvalidArgumentError("heartbeat batch with arrays of unequal length");
  }
  auto emit = [&](GroupId group, const Beat& beat) {
    GroupMessage gm;
    gm.group = group;
    gm.message.type = type;
    gm.message.from = from;
    gm.message.to = to;
    gm.message.term = beat.term;
    gm.message.commit = beat.commit;
    gm.message.read_seq = beat.read_seq;
    out->push_back(std::move(gm));
  };
  for (int i = 0; i < n; ++i) {
    Beat beat{batch.term(i), with_commit ? batch.commit(i) : 0, batch.read_seq(i)};
    (*last)[batch.group(i)] = beat;
    emit(batch.group(i), beat);
  }
  for (GroupId group : batch.routine()) {
    auto it = last->find(group);
    if (it == last->end()) {
      return InvalidArgumentError("routine heartbeat of group " + std::to_string(group) +
                                  " never sent in full on this stream");
    }
    ++it->second.read_seq;
    emit(group, it->second);
  }
  return Status::Ok();
}

Status FrameDecoder::Decode(const WireFrame& frame, NodeId from, NodeId to,
                            std::vector<GroupMessage>* out) {
  out->reserve(out->size() + frame.messages_size() + frame.heartbeats().group_size() +
               frame.heartbeats().routine_size() + frame.heartbeat_responses().group_size() +
               frame.heartbeat_responses().routine_size());
  for (const WireMessage& pm : frame.messages()) {
    GroupMessage gm;
    CURVE_RETURN_IF_ERROR(FromProto(pm, from, to, &gm));
    out->push_back(std::move(gm));
  }
  CURVE_RETURN_IF_ERROR(
      DecodeBeats(frame.heartbeats(), MessageType::kHeartbeat, from, to, &heartbeats_, out));
  return DecodeBeats(frame.heartbeat_responses(), MessageType::kHeartbeatResp, from, to,
                     &responses_, out);
}

}  // namespace curve::raft
