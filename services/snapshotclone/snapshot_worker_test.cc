#include "services/snapshotclone/snapshot_worker.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/testing/subprocess.h"
#include "services/snapshotclone/snapshot_ops.h"
#include "services/snapshotclone/task_runner.h"
#include "services/snapshotclone/testing/worker_fixture.h"

namespace curve::snapshotclone::testing {
namespace {

class SnapshotWorkerTest : public WorkerTest {};

TEST_F(SnapshotWorkerTest, UploadsExactlyTheExistingChunks) {
  MakeVolume();
  const std::string uuid = NewSnapshot();
  ASSERT_TRUE(snapshots_->Run(uuid, stop_).ok());
  SnapshotRecord record = Snapshot(uuid);
  EXPECT_EQ(record.status, SnapshotStatus::kDone) << record.message;
  EXPECT_EQ(record.progress, 100);
  EXPECT_EQ(record.seq, 1u);
  EXPECT_EQ(record.file_length, kVolumeSize);
  // Chunks 0, 1 and 9 hold data; chunk 2 is all zeros and the rest were never written.
  const std::string p = "snapshots/" + uuid + "/";
  EXPECT_EQ(Objects(),
            (std::vector<std::string>{p + "chunks/0", p + "chunks/1", p + "chunks/9", p + "meta"}));
  EXPECT_EQ(*objects_.Get(p + "chunks/1"), Pattern(kChunk, kChunk, 1));
  EXPECT_EQ(*objects_.Get(p + "chunks/9"), Pattern(9 * kChunk, kChunk, 1));
  auto meta = ParseSnapshotMeta(*objects_.Get(p + "meta"));
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(meta->chunks, (std::set<uint64_t>{0, 1, 9}));
  EXPECT_EQ(meta->shape.chunk_size, kChunk);
  // The snapshot is ended everywhere: no MDS snapshot, no preserved copies left.
  EXPECT_FALSE(source_.HasMdsSnapshot("/vol"));
  ASSERT_TRUE(source_.Write("/vol", 0, Pattern(0, kChunk, 2)).ok());
  EXPECT_EQ(source_.PreservedCopies("/vol"), 0);
}

TEST_F(SnapshotWorkerTest, HoldsTheContentOfItsMomentWhileTheVolumeIsWritten) {
  MakeVolume(1);
  source_.SetPendingPolls(3);
  int reads = 0;
  source_.SetOnRead([&] {
    if (++reads == 1) {
      // Overwrites during the copy (after the snapshot was taken) must not reach it.
      ASSERT_TRUE(source_.Write("/vol", 0, Pattern(0, 2 * kChunk, 2)).ok());
      ASSERT_TRUE(source_.Write("/vol", 9 * kChunk, Pattern(9 * kChunk, kChunk, 2)).ok());
    }
  });
  const std::string uuid = NewSnapshot();
  ASSERT_TRUE(snapshots_->Run(uuid, stop_).ok());
  EXPECT_EQ(Snapshot(uuid).status, SnapshotStatus::kDone);
  const std::string p = "snapshots/" + uuid + "/chunks/";
  EXPECT_EQ(*objects_.Get(p + "0"), Pattern(0, kChunk, 1));
  EXPECT_EQ(*objects_.Get(p + "1"), Pattern(kChunk, kChunk, 1));
  EXPECT_EQ(*objects_.Get(p + "9"), Pattern(9 * kChunk, kChunk, 1));
  EXPECT_EQ(source_.Contents("/vol").substr(0, kChunk), Pattern(0, kChunk, 2));
  EXPECT_EQ(source_.PreservedCopies("/vol"), 0);
}

TEST_F(SnapshotWorkerTest, ResumesAfterARestartWithoutDuplicatingOrLosing) {
  MakeVolume();
  int reads = 0;
  source_.SetOnRead([&] {
    if (++reads == 2) stop_ = true;  // this replica loses the lead during the second chunk
  });
  const std::string uuid = NewSnapshot();
  EXPECT_EQ(snapshots_->Run(uuid, stop_).code(), StatusCode::kAborted);
  SnapshotRecord halfway = Snapshot(uuid);
  EXPECT_EQ(halfway.status, SnapshotStatus::kPending);
  EXPECT_EQ(halfway.step, Step::kCopy);
  EXPECT_EQ(halfway.next_chunk, 2u);
  EXPECT_GT(halfway.progress, 5);

  // A new leader: fresh workers over the same etcd state.
  stop_ = false;
  SnapshotWorker resumed(*store_, source_, objects_, options_);
  ASSERT_TRUE(resumed.Run(uuid, stop_).ok());
  EXPECT_EQ(Snapshot(uuid).status, SnapshotStatus::kDone);
  EXPECT_EQ(source_.created_snapshots(), 1);
  // Segments 0 and 2 are allocated: 8 chunks, each read once over both runs.
  EXPECT_EQ(source_.reads(), 8);
  const std::string p = "snapshots/" + uuid + "/chunks/";
  EXPECT_EQ(Objects("snapshots/" + uuid + "/chunks/"),
            (std::vector<std::string>{p + "0", p + "1", p + "9"}));
  EXPECT_EQ(*objects_.Get(p + "9"), Pattern(9 * kChunk, kChunk, 1));
}

TEST_F(SnapshotWorkerTest, AdoptsTheMdsSnapshotTakenBeforeARestart) {
  MakeVolume();
  // The last leader took the MDS snapshot but died before recording its sequence.
  ASSERT_TRUE(source_.CreateSnapshot("alice", "/vol").ok());
  const std::string uuid = NewSnapshot();
  ASSERT_TRUE(snapshots_->Run(uuid, stop_).ok());
  EXPECT_EQ(Snapshot(uuid).status, SnapshotStatus::kDone);
  EXPECT_EQ(Snapshot(uuid).seq, 1u);
  EXPECT_EQ(source_.created_snapshots(), 1);
  EXPECT_FALSE(source_.HasMdsSnapshot("/vol"));
}

TEST_F(SnapshotWorkerTest, CancelEndsTheSnapshotAndRemovesEverything) {
  MakeVolume();
  const std::string uuid = NewSnapshot();
  int reads = 0;
  source_.SetOnRead([&] {
    if (++reads != 2) return;
    ASSERT_TRUE(source_.Write("/vol", 9 * kChunk, Pattern(9 * kChunk, kChunk, 2)).ok());
    SetSnapshotStatus(uuid, SnapshotStatus::kCanceling);
  });
  ASSERT_TRUE(snapshots_->Run(uuid, stop_).ok());
  EXPECT_FALSE(store_->GetSnapshot(uuid)->has_value());
  EXPECT_TRUE(Objects().empty());
  EXPECT_FALSE(source_.HasMdsSnapshot("/vol"));
  EXPECT_EQ(source_.PreservedCopies("/vol"), 0);
  EXPECT_LT(source_.reads(), 8);
}

TEST_F(SnapshotWorkerTest, CancelWhileWaitingForTheWriter) {
  MakeVolume();
  source_.SetPendingPolls(1 << 30);
  const std::string uuid = NewSnapshot();
  std::thread worker([&] { EXPECT_TRUE(snapshots_->Run(uuid, stop_).ok()); });
  ASSERT_TRUE(curve::testing::PollUntil([&] { return Snapshot(uuid).step == Step::kWait; },
                                        std::chrono::seconds(10)));
  SetSnapshotStatus(uuid, SnapshotStatus::kCanceling);
  worker.join();
  EXPECT_FALSE(store_->GetSnapshot(uuid)->has_value());
  EXPECT_FALSE(source_.HasMdsSnapshot("/vol"));
}

TEST_F(SnapshotWorkerTest, DeleteRemovesTheObjectsAndTheRecord) {
  MakeVolume();
  const std::string uuid = NewSnapshot();
  ASSERT_TRUE(snapshots_->Run(uuid, stop_).ok());
  ASSERT_EQ(Objects().size(), 4u);
  SetSnapshotStatus(uuid, SnapshotStatus::kDeleting);
  ASSERT_TRUE(snapshots_->Run(uuid, stop_).ok());
  EXPECT_TRUE(Objects().empty());
  EXPECT_FALSE(store_->GetSnapshot(uuid)->has_value());
}

TEST_F(SnapshotWorkerTest, AStoreFailureIsRecordedAndEndsTheMdsSnapshot) {
  MakeVolume();
  objects_.InjectError(UnavailableError("s3 is down"));
  const std::string uuid = NewSnapshot();
  EXPECT_FALSE(snapshots_->Run(uuid, stop_).ok());
  SnapshotRecord record = Snapshot(uuid);
  EXPECT_EQ(record.status, SnapshotStatus::kError);
  EXPECT_NE(record.message.find("s3 is down"), std::string::npos) << record.message;
  EXPECT_FALSE(source_.HasMdsSnapshot("/vol"));
  EXPECT_EQ(source_.PreservedCopies("/vol"), 0);
}

TEST_F(SnapshotWorkerTest, AMissingVolumeIsAnError) {
  const std::string uuid = NewSnapshot("/missing");
  EXPECT_EQ(snapshots_->Run(uuid, stop_).code(), StatusCode::kNotFound);
  EXPECT_EQ(Snapshot(uuid).status, SnapshotStatus::kError);
}

TEST_F(SnapshotWorkerTest, TheRunnerQueuesSnapshotsOfOneVolume) {
  MakeVolume();
  TaskRunner runner(*store_, *snapshots_, *clones_, {4, std::chrono::milliseconds(10)});
  const std::string first = NewSnapshot();
  const std::string second = NewSnapshot();
  runner.Start();
  ASSERT_TRUE(curve::testing::PollUntil(
      [&] {
        return Snapshot(first).status == SnapshotStatus::kDone &&
               Snapshot(second).status == SnapshotStatus::kDone;
      },
      std::chrono::seconds(20)));
  runner.Stop();
  EXPECT_EQ(source_.created_snapshots(), 2);
  EXPECT_EQ(Snapshot(first).seq, 1u);
  EXPECT_EQ(Snapshot(second).seq, 2u);
}

}  // namespace
}  // namespace curve::snapshotclone::testing
