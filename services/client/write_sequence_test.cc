#include "services/client/write_sequence.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace curve::client {
namespace {

TEST(WriteSequenceTest, ZeroFromAnOldMdsCountsAsOne) {
  WriteSequence sequence(0);
  EXPECT_EQ(sequence.current(), 1u);
  EXPECT_EQ(sequence.Begin(), 1u);
  EXPECT_EQ(sequence.reportable(), 1u);
}

// After a switch the new sequence is reported only once every write with the old one ended.
TEST(WriteSequenceTest, ReportsTheNewSequenceOnlyAfterOlderWritesEnd) {
  WriteSequence sequence(1);
  uint64_t a = sequence.Begin();
  uint64_t b = sequence.Begin();
  EXPECT_EQ(a, 1u);
  EXPECT_FALSE(sequence.Advance(1)) << "not above the current one";
  EXPECT_TRUE(sequence.Advance(2));
  EXPECT_FALSE(sequence.Advance(2));
  EXPECT_EQ(sequence.current(), 2u);
  uint64_t c = sequence.Begin();
  EXPECT_EQ(c, 2u) << "new writes carry the new sequence";
  EXPECT_EQ(sequence.reportable(), 1u) << "writes with 1 are in flight";
  EXPECT_FALSE(sequence.End(a));
  EXPECT_EQ(sequence.reportable(), 1u);
  EXPECT_FALSE(sequence.End(c)) << "a write with the current sequence drains nothing";
  EXPECT_EQ(sequence.reportable(), 1u);
  EXPECT_TRUE(sequence.End(b)) << "the last older write";
  EXPECT_EQ(sequence.reportable(), 2u);
  EXPECT_FALSE(sequence.End(b)) << "an unknown end changes nothing";
  EXPECT_EQ(sequence.reportable(), 2u);
}

TEST(WriteSequenceTest, RenewMovesARetriedWriteToTheCurrentSequence) {
  WriteSequence sequence(3);
  uint64_t a = sequence.Begin();
  uint64_t b = sequence.Begin();
  bool drained = true;
  EXPECT_EQ(sequence.Renew(a, &drained), 3u) << "already current";
  EXPECT_FALSE(drained);
  ASSERT_TRUE(sequence.Advance(5));  // two snapshots meanwhile
  a = sequence.Renew(a, &drained);
  EXPECT_EQ(a, 5u);
  EXPECT_FALSE(drained) << "b still carries 3";
  EXPECT_EQ(sequence.reportable(), 3u);
  b = sequence.Renew(b, &drained);
  EXPECT_TRUE(drained);
  EXPECT_EQ(sequence.reportable(), 5u);
  EXPECT_FALSE(sequence.End(a));
  EXPECT_FALSE(sequence.End(b));
  EXPECT_EQ(sequence.reportable(), 5u);
}

TEST(WriteSequenceTest, ConcurrentWritesAcrossASwitchAllEnd) {
  WriteSequence sequence(1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        uint64_t s = sequence.Begin();
        if (t == 0 && i == 1000) sequence.Advance(2);
        sequence.End(s);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(sequence.current(), 2u);
  EXPECT_EQ(sequence.reportable(), 2u);
}

}  // namespace
}  // namespace curve::client
