#include "services/snapshotclone/records.h"

#include <gtest/gtest.h>

#include <set>

#include "services/snapshotclone/snapshot_ops.h"

namespace curve::snapshotclone {
namespace {

TEST(RecordsTest, SnapshotRecordRoundTrips) {
  SnapshotRecord r;
  r.uuid = "u1";
  r.user = "alice";
  r.file = "/vol";
  r.name = "snap";
  r.time_us = 1234567;
  r.status = SnapshotStatus::kCanceling;
  r.progress = 42;
  r.message = "m";
  r.step = Step::kCopy;
  r.seq = 7;
  r.file_length = 1 << 30;
  r.chunk_size = 1 << 24;
  r.segment_size = 1 << 30;
  r.next_chunk = 9;
  r.poolset = "hdd";
  auto parsed = ParseSnapshotRecord(ToJson(r));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, r);
}

TEST(RecordsTest, CloneRecordRoundTrips) {
  CloneRecord r;
  r.uuid = "c1";
  r.user = "bob";
  r.source = "/src";
  r.destination = "/dst";
  r.poolset = "ssd";
  r.type = CloneType::kRecover;
  r.source_is_snapshot = false;
  r.status = CloneStatus::kError;
  r.step = Step::kEnd;
  r.seq = 3;
  r.size = 100;
  r.next_chunk = 4;
  auto parsed = ParseCloneRecord(ToJson(r));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, r);
}

TEST(RecordsTest, DamagedRecordsAreDataLoss) {
  EXPECT_EQ(ParseSnapshotRecord("not json").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseSnapshotRecord(R"({"uuid":"a","status":9})").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(ParseCloneRecord(R"({"uuid":"a","seq":"x"})").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseCloneRecord(R"({"seq":1})").status().code(), StatusCode::kDataLoss);
}

TEST(RecordsTest, UuidsAreVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewUuid();
    ASSERT_EQ(id.size(), 36u) << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(SnapshotOpsTest, ObjectKeysAndMeta) {
  EXPECT_EQ(ChunkObjectKey("snapshots", "u", 12), "snapshots/u/chunks/12");
  EXPECT_EQ(MetaObjectKey("snapshots", "u"), "snapshots/u/meta");
  auto index = ChunkIndexOfKey("snapshots/u/chunks/", "snapshots/u/chunks/12");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(*index, 12u);
  EXPECT_FALSE(ChunkIndexOfKey("snapshots/u/chunks/", "snapshots/u/meta").ok());
  EXPECT_FALSE(ChunkIndexOfKey("snapshots/u/chunks/", "snapshots/u/chunks/1x").ok());
  SnapshotMeta meta;
  meta.uuid = "u";
  meta.user = "alice";
  meta.file = "/v";
  meta.sequence = 2;
  meta.shape = {1 << 20, 1 << 16, 1 << 18};
  meta.chunks = {0, 3, 9};
  auto parsed = ParseSnapshotMeta(SnapshotMetaToJson(meta));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->chunks, meta.chunks);
  EXPECT_EQ(parsed->shape.chunk_size, 1u << 16);
  EXPECT_EQ(parsed->sequence, 2u);
  EXPECT_EQ(CopyProgress(0, 10), 5);
  EXPECT_EQ(CopyProgress(10, 10), 95);
}

}  // namespace
}  // namespace curve::snapshotclone
