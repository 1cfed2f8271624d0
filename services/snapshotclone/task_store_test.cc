#include "services/snapshotclone/task_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/etcd/etcd_test_fixture.h"

namespace curve::snapshotclone {
namespace {

class TaskStoreTest : public etcd::EtcdTest {};

TEST_F(TaskStoreTest, SnapshotRecordsRoundTripThroughEtcd) {
  TaskStore store(*client_, prefix_);
  SnapshotRecord record;
  record.uuid = "s1";
  record.user = "alice";
  record.file = "/vol";
  record.seq = 4;
  ASSERT_TRUE(store.CreateSnapshot(record).ok());
  EXPECT_EQ(store.CreateSnapshot(record).code(), StatusCode::kAlreadyExists);
  auto got = store.GetSnapshot("s1");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, record);

  auto updated = store.UpdateSnapshot("s1", [](SnapshotRecord* r) {
    r->progress = 50;
    return Status::Ok();
  });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->progress, 50);
  auto refused = store.UpdateSnapshot("s1", [](SnapshotRecord* r) {
    r->progress = 99;
    return FailedPreconditionError("no");
  });
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*store.GetSnapshot("s1"))->progress, 50);
  EXPECT_EQ(
      store.UpdateSnapshot("nope", [](SnapshotRecord*) { return Status::Ok(); }).status().code(),
      StatusCode::kNotFound);

  record.uuid = "s2";
  ASSERT_TRUE(store.CreateSnapshot(record).ok());
  auto all = store.ListSnapshots();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].uuid, "s1");
  EXPECT_EQ((*all)[1].uuid, "s2");

  ASSERT_TRUE(store.DeleteSnapshot("s1").ok());
  ASSERT_TRUE(store.DeleteSnapshot("s1").ok());
  EXPECT_FALSE(store.GetSnapshot("s1")->has_value());
  EXPECT_EQ(store.ListSnapshots()->size(), 1u);
  // A fresh client (another replica, or this one restarted) reads the same records.
  auto other = NewClient();
  TaskStore again(*other, prefix_);
  EXPECT_EQ((*again.GetSnapshot("s2"))->file, "/vol");
}

TEST_F(TaskStoreTest, CloneRecordsRoundTripThroughEtcd) {
  TaskStore store(*client_, prefix_);
  CloneRecord record;
  record.uuid = "c1";
  record.source = "s1";
  record.destination = "/dst";
  record.type = CloneType::kRecover;
  ASSERT_TRUE(store.CreateClone(record).ok());
  EXPECT_EQ(store.CreateClone(record).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(**store.GetClone("c1"), record);
  ASSERT_TRUE(store
                  .UpdateClone("c1",
                               [](CloneRecord* r) {
                                 r->status = CloneStatus::kDone;
                                 return Status::Ok();
                               })
                  .ok());
  EXPECT_EQ((*store.GetClone("c1"))->status, CloneStatus::kDone);
  EXPECT_EQ(store.ListClones()->size(), 1u);
  EXPECT_TRUE(store.ListSnapshots()->empty());
  ASSERT_TRUE(store.DeleteClone("c1").ok());
  EXPECT_TRUE(store.ListClones()->empty());
}

TEST_F(TaskStoreTest, ConcurrentUpdatesAreNotLost) {
  TaskStore store(*client_, prefix_);
  SnapshotRecord record;
  record.uuid = "race";
  ASSERT_TRUE(store.CreateSnapshot(record).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto updated = store.UpdateSnapshot("race", [](SnapshotRecord* r) {
          ++r->next_chunk;
          return Status::Ok();
        });
        EXPECT_TRUE(updated.ok()) << updated.status();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ((*store.GetSnapshot("race"))->next_chunk, 40u);
}

}  // namespace
}  // namespace curve::snapshotclone
