#include "services/snapshotclone/clone_worker.h"

#include <gtest/gtest.h>

#include "services/snapshotclone/testing/worker_fixture.h"

namespace curve::snapshotclone::testing {
namespace {

class CloneWorkerTest : public WorkerTest {
 protected:
  // A done snapshot of /vol holding generation 1; the volume then holds generation 2 in chunks
  // 0 and 9 and in chunk 5 (a segment the snapshot did not have).
  std::string SnapshotThenOverwrite() {
    MakeVolume(1);
    const std::string uuid = NewSnapshot();
    EXPECT_TRUE(snapshots_->Run(uuid, stop_).ok());
    EXPECT_EQ(Snapshot(uuid).status, SnapshotStatus::kDone);
    EXPECT_TRUE(source_.Write("/vol", 0, Pattern(0, kChunk, 2)).ok());
    EXPECT_TRUE(source_.Write("/vol", 9 * kChunk, Pattern(9 * kChunk, kChunk, 2)).ok());
    EXPECT_TRUE(source_.Write("/vol", 5 * kChunk, Pattern(5 * kChunk, kChunk, 2)).ok());
    return uuid;
  }
  std::string Generation1() {
    std::string expected(kVolumeSize, '\0');
    expected.replace(0, 2 * kChunk, Pattern(0, 2 * kChunk, 1));
    expected.replace(9 * kChunk, kChunk, Pattern(9 * kChunk, kChunk, 1));
    return expected;
  }
};

TEST_F(CloneWorkerTest, CloneFromASnapshotReadsBackTheSnapshot) {
  const std::string snapshot = SnapshotThenOverwrite();
  const std::string task = NewClone(snapshot, "/clone");
  ASSERT_TRUE(clones_->Run(task, stop_).ok());
  CloneRecord record = Clone(task);
  EXPECT_EQ(record.status, CloneStatus::kDone) << record.message;
  EXPECT_EQ(record.progress, 100);
  EXPECT_EQ(source_.Contents("/clone"), Generation1());
  EXPECT_NE(source_.Contents("/vol"), Generation1());
  EXPECT_EQ(source_.Poolset("/clone"), "ssd");  // the snapshot's volume's
}

TEST_F(CloneWorkerTest, CloneFromAVolumeCopiesItsCurrentContent) {
  MakeVolume(3);
  const std::string task = NewClone("/vol", "/copy");
  ASSERT_TRUE(clones_->Run(task, stop_).ok());
  EXPECT_EQ(Clone(task).status, CloneStatus::kDone) << Clone(task).message;
  EXPECT_EQ(source_.Contents("/copy"), source_.Contents("/vol"));
  EXPECT_EQ(source_.Poolset("/copy"), "ssd");
  EXPECT_FALSE(source_.HasMdsSnapshot("/vol"));
  EXPECT_EQ(source_.created_snapshots(), 1);
  ASSERT_TRUE(source_.Write("/vol", 0, Pattern(0, kChunk, 4)).ok());
  EXPECT_EQ(source_.PreservedCopies("/vol"), 0);
  EXPECT_TRUE(Objects("").empty());  // no S3 involved
}

TEST_F(CloneWorkerTest, CloneFromAVolumeResumesAfterARestart) {
  MakeVolume(3);
  const std::string before = source_.Contents("/vol");
  int reads = 0;
  source_.SetOnRead([&] {
    if (++reads == 1) {
      stop_ = true;
      // Writes after the internal snapshot must not reach the clone.
      ASSERT_TRUE(source_.Write("/vol", 9 * kChunk, Pattern(9 * kChunk, kChunk, 4)).ok());
    }
  });
  const std::string task = NewClone("/vol", "/copy");
  EXPECT_EQ(clones_->Run(task, stop_).code(), StatusCode::kAborted);
  EXPECT_EQ(Clone(task).status, CloneStatus::kCloning);
  stop_ = false;
  CloneWorker resumed(*store_, source_, objects_, options_);
  ASSERT_TRUE(resumed.Run(task, stop_).ok());
  EXPECT_EQ(Clone(task).status, CloneStatus::kDone);
  EXPECT_EQ(source_.Contents("/copy"), before);
  EXPECT_EQ(source_.created_snapshots(), 1);
  EXPECT_EQ(source_.reads(), 8);
}

TEST_F(CloneWorkerTest, RecoverRestoresTheSnapshotAndZeroesChunksItDidNotHave) {
  const std::string snapshot = SnapshotThenOverwrite();
  const std::string task = NewClone(snapshot, "/vol", CloneType::kRecover);
  ASSERT_TRUE(clones_->Run(task, stop_).ok());
  EXPECT_EQ(Clone(task).status, CloneStatus::kDone) << Clone(task).message;
  const std::string contents = source_.Contents("/vol");
  EXPECT_EQ(contents.substr(5 * kChunk, kChunk), std::string(kChunk, '\0'));
  EXPECT_EQ(contents, Generation1());
}

TEST_F(CloneWorkerTest, CloneOfAMissingSnapshotFails) {
  const std::string task = NewClone("no-such-snapshot", "/clone");
  EXPECT_FALSE(clones_->Run(task, stop_).ok());
  CloneRecord record = Clone(task);
  EXPECT_EQ(record.status, CloneStatus::kError);
  EXPECT_NE(record.message.find("no-such-snapshot"), std::string::npos) << record.message;
}

}  // namespace
}  // namespace curve::snapshotclone::testing
