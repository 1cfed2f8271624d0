#include "raft/storage/wal_format.h"

#include <gtest/gtest.h>

#include "raft/core/configuration.h"
#include "raft/storage/crc32c.h"
#include "raft/storage/wal_record.h"

namespace curve::raft::wal {
namespace {

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
  EXPECT_EQ(crc32c::Value(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(crc32c::Value(std::string(32, '\xff')), 0x62a8ab43u);
  EXPECT_EQ(crc32c::Value(""), 0u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7));
  for (size_t split : {0, 1, 7, 8, 9, 500, 999, 1000}) {
    uint32_t a = crc32c::Extend(0, data.data(), split);
    EXPECT_EQ(crc32c::Extend(a, data.data() + split, data.size() - split), crc32c::Value(data));
  }
}

TEST(WalFormatTest, SegmentNames) {
  EXPECT_EQ(SegmentName(42), "wal-00000000000000000042.log");
  EXPECT_EQ(ParseSegmentName("wal-00000000000000000042.log"), 42u);
  EXPECT_EQ(ParseSegmentName("wal-0000000000000000042.log"), std::nullopt);
  EXPECT_EQ(ParseSegmentName("wal-0000000000000000004x.log"), std::nullopt);
  EXPECT_EQ(ParseSegmentName("snap"), std::nullopt);
}

TEST(WalFormatTest, SegmentHeaderRoundTripAndCorruption) {
  std::string header = EncodeSegmentHeader({7, kStrictSync});
  ASSERT_EQ(header.size(), kSegmentHeaderSize);
  Result<SegmentHeader> decoded = DecodeSegmentHeader(header);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->seq, 7u);
  EXPECT_EQ(decoded->flags, kStrictSync);
  header[9] ^= 1;
  EXPECT_EQ(DecodeSegmentHeader(header).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeSegmentHeader("CRV").status().code(), StatusCode::kDataLoss);
}

TEST(WalRecordTest, EveryRecordTypeRoundTrips) {
  std::vector<Entry> entries = {{3, 10, EntryType::kNormal, "abc"},
                                {3, 11, EntryType::kNoop, ""},
                                {4, 12, EntryType::kConfChange, std::string(300, 'x')}};
  SnapshotRef snap{SnapshotMeta{9, 2, MakeConfiguration({1, 2, 3})}, 5, 100, 0xdeadbeef};
  std::string out;
  EncodeEntries(&out, RecordType::kEntries, 77, entries.data(), entries.size());
  EncodeHardState(&out, 77, HardState{4, 2, 11});
  EncodeSnapshot(&out, 77, snap, true);
  EncodeCompact(&out, 77, EntryId{2, 9});
  EncodeRemoveGroup(&out, 78);

  std::string_view in = out;
  Result<RecordView> v = ReadRecord(&in);
  ASSERT_TRUE(v.ok());
  Result<LogRecord> r = DecodeRecord(v->type, v->body);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, RecordType::kEntries);
  EXPECT_EQ(r->group, 77u);
  std::vector<Entry> back;
  ASSERT_TRUE(ForEachEntry(*r, [&](const EntryView& e) {
                back.push_back(Entry{e.term, e.index, e.type, std::string(e.data)});
              }).ok());
  EXPECT_EQ(back, entries);

  v = ReadRecord(&in);
  r = DecodeRecord(v->type, v->body);
  EXPECT_EQ(r->hard_state, (HardState{4, 2, 11}));
  v = ReadRecord(&in);
  r = DecodeRecord(v->type, v->body);
  EXPECT_EQ(r->snapshot, snap);
  EXPECT_TRUE(r->install);
  v = ReadRecord(&in);
  r = DecodeRecord(v->type, v->body);
  EXPECT_EQ(r->compact, (EntryId{2, 9}));
  v = ReadRecord(&in);
  r = DecodeRecord(v->type, v->body);
  EXPECT_EQ(r->type, RecordType::kRemoveGroup);
  EXPECT_EQ(r->group, 78u);
  EXPECT_TRUE(in.empty());
}

TEST(WalRecordTest, DamageIsDataLoss) {
  std::string out;
  EncodeHardState(&out, 1, HardState{1, 1, 1});
  for (size_t i = 0; i < out.size(); ++i) {
    std::string bad = out;
    bad[i] ^= 0x10;
    std::string_view in = bad;
    Result<RecordView> v = ReadRecord(&in);
    EXPECT_EQ(v.status().code(), StatusCode::kDataLoss) << "flipped byte " << i;
  }
  std::string_view cut(out.data(), out.size() - 1);
  EXPECT_EQ(ReadRecord(&cut).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeRecord(99, "\x01").status().code(), StatusCode::kDataLoss);
}

TEST(WalFormatTest, FrameChecksumCoversLengthAndPayload) {
  std::string frame;
  BeginFrame(&frame);
  EncodeRemoveGroup(&frame, 5);
  FinishFrame(&frame);
  EXPECT_EQ(DecodeFixed32(frame.data() + 4), frame.size() - kFrameHeaderSize);
  EXPECT_EQ(crc32c::Extend(0, frame.data() + 4, frame.size() - 4), DecodeFixed32(frame.data()));
}

}  // namespace
}  // namespace curve::raft::wal
