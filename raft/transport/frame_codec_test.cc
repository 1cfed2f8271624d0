#include "raft/transport/frame_codec.h"

#include <gtest/gtest.h>

namespace curve::raft {
namespace {

Message Heartbeat(Term term, Index commit, uint64_t seq) {
  return Message{.type = MessageType::kHeartbeat,
                 .from = 1,
                 .to = 2,
                 .term = term,
                 .commit = commit,
                 .read_seq = seq};
}

Message HeartbeatResponse(Term term, uint64_t seq) {
  return Message{
      .type = MessageType::kHeartbeatResp, .from = 1, .to = 2, .term = term, .read_seq = seq};
}

// Encodes with `encoder`, ships through the wire format, decodes with `decoder`.
std::vector<GroupMessage> RoundTrip(FrameEncoder* encoder, FrameDecoder* decoder,
                                    const std::vector<GroupMessage>& in, WireFrame* frame_out) {
  WireFrame frame;
  encoder->Encode(in, &frame);
  WireFrame parsed;
  EXPECT_TRUE(parsed.ParseFromString(frame.SerializeAsString()));
  std::vector<GroupMessage> out;
  EXPECT_TRUE(decoder->Decode(parsed, 1, 2, &out).ok());
  if (frame_out != nullptr) *frame_out = parsed;
  return out;
}

TEST(FrameCodecTest, EveryMessageFieldSurvives) {
  std::vector<GroupMessage> in;
  in.push_back({7, Message{.type = MessageType::kAppend,
                           .from = 1,
                           .to = 2,
                           .term = 5,
                           .log_term = 4,
                           .index = 10,
                           .commit = 9,
                           .entries = {Entry{5, 11, EntryType::kNormal, "abc"},
                                       Entry{5, 12, EntryType::kConfChange, std::string(1, '\0')},
                                       Entry{5, 13, EntryType::kNoop, ""}}}});
  in.push_back({8, Message{.type = MessageType::kAppendResp,
                           .from = 1,
                           .to = 2,
                           .term = 5,
                           .log_term = 3,
                           .index = 10,
                           .reject = true,
                           .reject_hint = 6}});
  in.push_back({9, Message{.type = MessageType::kVote,
                           .from = 1,
                           .to = 2,
                           .term = 6,
                           .log_term = 5,
                           .index = 13,
                           .transfer = true}});
  in.push_back({9, Message{.type = MessageType::kHeartbeat,
                           .from = 1,
                           .to = 2,
                           .term = 6,
                           .index = 1,  // not the compact form: goes as a full message
                           .commit = 3,
                           .read_seq = 4}});
  FrameEncoder encoder;
  FrameDecoder decoder;
  std::vector<GroupMessage> out = RoundTrip(&encoder, &decoder, in, nullptr);
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].group, in[i].group);
    EXPECT_EQ(out[i].message, in[i].message) << i;
  }
}

TEST(FrameCodecTest, HeartbeatsArePackedAndRoutineOnesShrinkToAGroupId) {
  FrameEncoder encoder;
  FrameDecoder decoder;
  std::vector<GroupMessage> round1;
  for (GroupId g = 1; g <= 100; ++g) round1.push_back({g, Heartbeat(3, g, 10)});
  round1.push_back({500, HeartbeatResponse(3, 7)});
  WireFrame frame;
  std::vector<GroupMessage> out = RoundTrip(&encoder, &decoder, round1, &frame);
  EXPECT_EQ(frame.messages_size(), 0);
  EXPECT_EQ(frame.heartbeats().group_size(), 100);
  EXPECT_EQ(frame.heartbeat_responses().group_size(), 1);
  ASSERT_EQ(out.size(), round1.size());

  // Next round: read_seq + 1 everywhere, group 5's commit moved and group 6's term changed.
  std::vector<GroupMessage> round2;
  for (GroupId g = 1; g <= 100; ++g) {
    Message m = Heartbeat(g == 6 ? 4 : 3, g == 5 ? 99 : g, 11);
    round2.push_back({g, m});
  }
  round2.push_back({500, HeartbeatResponse(3, 8)});
  out = RoundTrip(&encoder, &decoder, round2, &frame);
  EXPECT_EQ(frame.heartbeats().group_size(), 2);  // groups 5 and 6 in full
  EXPECT_EQ(frame.heartbeats().routine_size(), 98);
  EXPECT_EQ(frame.heartbeat_responses().routine_size(), 1);
  EXPECT_LT(frame.ByteSizeLong(), 250u);
  ASSERT_EQ(out.size(), round2.size());
  std::map<GroupId, Message> by_group;
  for (auto& gm : out) by_group[gm.group] = gm.message;
  for (auto& gm : round2) EXPECT_EQ(by_group[gm.group], gm.message) << gm.group;
}

TEST(FrameCodecTest, RoutineHeartbeatOfUnknownGroupIsRejected) {
  WireFrame frame;
  frame.mutable_heartbeats()->add_routine(3);
  FrameDecoder decoder;
  std::vector<GroupMessage> out;
  EXPECT_EQ(decoder.Decode(frame, 1, 2, &out).code(), StatusCode::kInvalidArgument);
}

TEST(FrameCodecTest, MalformedFramesAreRejected) {
  FrameDecoder decoder;
  std::vector<GroupMessage> out;
  WireFrame unequal;
  unequal.mutable_heartbeats()->add_group(1);
  EXPECT_EQ(decoder.Decode(unequal, 1, 2, &out).code(), StatusCode::kInvalidArgument);
  WireFrame bad_type;
  bad_type.add_messages()->set_type(42);
  EXPECT_EQ(decoder.Decode(bad_type, 1, 2, &out).code(), StatusCode::kInvalidArgument);
  WireFrame framed_snapshot;
  framed_snapshot.add_messages()->set_type(static_cast<uint32_t>(MessageType::kSnapshot));
  EXPECT_EQ(decoder.Decode(framed_snapshot, 1, 2, &out).code(), StatusCode::kInvalidArgument);
  WireFrame bad_entry;
  bad_entry.add_messages()->add_entries()->set_type(9);
  EXPECT_EQ(decoder.Decode(bad_entry, 1, 2, &out).code(), StatusCode::kInvalidArgument);
}

TEST(FrameCodecTest, SnapshotMetaRoundTrip) {
  SnapshotMeta meta{.index = 10, .term = 3, .config = Configuration{{1, 2, 5}}};
  WireSnapshotMeta wire;
  ToProto(meta, &wire);
  EXPECT_EQ(FromProto(wire), meta);
}

}  // namespace
}  // namespace curve::raft
