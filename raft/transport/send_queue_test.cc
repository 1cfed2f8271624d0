#include "raft/transport/send_queue.h"

#include <gtest/gtest.h>

#include "raft/transport/frame_codec.h"

namespace curve::raft {
namespace {

GroupMessage Heartbeat(GroupId group, Term term, uint64_t seq) {
  return {group, Message{.type = MessageType::kHeartbeat, .term = term, .read_seq = seq}};
}

GroupMessage Ack(GroupId group, Term term, Index index) {
  return {group, Message{.type = MessageType::kAppendResp, .term = term, .index = index}};
}

GroupMessage Append(GroupId group, size_t bytes) {
  return {group, Message{.type = MessageType::kAppend,
                         .term = 1,
                         .entries = {Entry{1, 1, EntryType::kNormal, std::string(bytes, 'x')}}}};
}

TEST(SendQueueTest, NewerHeartbeatReplacesQueuedOneOfItsGroup) {
  SendQueue queue(SendQueueLimits{});
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    for (GroupId g = 1; g <= 3; ++g) {
      GroupMessage m = Heartbeat(g, 2, seq);
      ASSERT_TRUE(queue.Push(&m));
    }
  }
  EXPECT_EQ(queue.size(), 3u);
  GroupMessage stale = Heartbeat(1, 1, 9);  // an older term never replaces
  ASSERT_TRUE(queue.Push(&stale));
  std::vector<GroupMessage> batch = queue.PopBatch();
  ASSERT_EQ(batch.size(), 3u);
  for (const GroupMessage& gm : batch) {
    EXPECT_EQ(gm.message.read_seq, 5u);
    EXPECT_EQ(gm.message.term, 2u);
  }
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(SendQueueTest, HigherAcknowledgementReplacesLowerOne) {
  SendQueue queue(SendQueueLimits{});
  GroupMessage a = Ack(1, 3, 10), b = Ack(1, 3, 12), c = Ack(1, 3, 11);
  ASSERT_TRUE(queue.Push(&a));
  ASSERT_TRUE(queue.Push(&b));
  ASSERT_TRUE(queue.Push(&c));
  GroupMessage reject = Ack(1, 3, 5);
  reject.message.reject = true;  // rejections are kept as they are
  ASSERT_TRUE(queue.Push(&reject));
  std::vector<GroupMessage> batch = queue.PopBatch();
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].message.index, 12u);
  EXPECT_TRUE(batch[1].message.reject);
}

TEST(SendQueueTest, FullQueueRefusesAndStaysWithinItsCaps) {
  SendQueueLimits limits{.max_bytes = 10'000, .max_messages = 1000, .max_frame_bytes = 4000};
  SendQueue queue(limits);
  int refused = 0;
  for (int i = 0; i < 100; ++i) {
    GroupMessage m = Append(static_cast<GroupId>(i), 1000);
    if (!queue.Push(&m)) {
      ++refused;
      EXPECT_EQ(m.message.entries.size(), 1u);  // left intact for the caller
    }
    EXPECT_LE(queue.bytes(), limits.max_bytes);
  }
  EXPECT_GT(refused, 80);
  // A heartbeat of a new group needs room too; one of a queued group merges regardless.
  std::vector<GroupMessage> first = queue.PopBatch();
  uint64_t frame_bytes = 0;
  for (auto& gm : first) frame_bytes += MessageBytes(gm.message);
  EXPECT_LE(frame_bytes, limits.max_frame_bytes);
  EXPECT_GE(first.size(), 1u);
}

TEST(SendQueueTest, MessageCapCountsEveryKind) {
  SendQueue queue(SendQueueLimits{.max_bytes = 1 << 20, .max_messages = 4});
  for (GroupId g = 1; g <= 4; ++g) {
    GroupMessage m = Heartbeat(g, 1, 1);
    ASSERT_TRUE(queue.Push(&m));
  }
  GroupMessage fifth = Heartbeat(5, 1, 1);
  EXPECT_FALSE(queue.Push(&fifth));
  GroupMessage merged = Heartbeat(2, 1, 2);
  EXPECT_TRUE(queue.Push(&merged));
}

TEST(SendQueueTest, ClearNamesGroupsThatLostMoreThanHeartbeats) {
  SendQueue queue(SendQueueLimits{});
  GroupMessage h = Heartbeat(1, 1, 1), a = Append(2, 10), k = Ack(3, 1, 4), v = Append(2, 10);
  ASSERT_TRUE(queue.Push(&h));
  ASSERT_TRUE(queue.Push(&a));
  ASSERT_TRUE(queue.Push(&k));
  ASSERT_TRUE(queue.Push(&v));
  EXPECT_EQ(queue.Clear(), (std::vector<GroupId>{2, 3}));
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(SendQueueTest, BatchTakesOldestMessagesUpToTheFrameCap) {
  SendQueue queue(SendQueueLimits{.max_frame_bytes = 2500});
  for (GroupId g = 1; g <= 5; ++g) {
    GroupMessage m = Append(g, 1000);
    ASSERT_TRUE(queue.Push(&m));
  }
  std::vector<GroupMessage> batch = queue.PopBatch();
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].group, 1u);
  EXPECT_EQ(batch[1].group, 2u);
  EXPECT_EQ(queue.size(), 3u);
}

}  // namespace
}  // namespace curve::raft
