// Snapshots in the namespace: the volume sequence, the snapshot record and its state, on both
// stores.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "services/mds/namespace/namespace_test_fixture.h"

namespace curve::mds {
namespace {

class SnapshotTest : public NamespaceTest {};

SnapshotInfo::State StateOf(NamespaceManager& manager, const std::string& path) {
  auto listed = manager.ListSnapshots("u", path);
  EXPECT_TRUE(listed.ok()) << listed.status();
  if (!listed.ok() || listed->size() != 1) return SnapshotInfo::STATE_UNSPECIFIED;
  return listed->at(0).state();
}

TEST_P(SnapshotTest, CreateRaisesTheSequenceOneSnapshotAtATime) {
  ASSERT_TRUE(manager_->Create("u", "/d", FILE_TYPE_DIRECTORY, 0, "").ok());
  auto vol = manager_->Create("u", "/d/v", FILE_TYPE_VOLUME, 20 * kGiB, "ssd");
  ASSERT_TRUE(vol.ok()) << vol.status();
  EXPECT_EQ(vol->sequence(), 1u);
  EXPECT_EQ(manager_->Stat("u", "/d/v")->sequence(), 1u);
  EXPECT_TRUE(manager_->ListSnapshots("u", "/d/v")->empty());

  auto snap = manager_->CreateSnapshot("u", "/d/v");
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ(snap->sequence(), 1u);
  EXPECT_EQ(snap->file_id(), vol->id());
  EXPECT_EQ(snap->size(), 20 * kGiB);
  EXPECT_EQ(snap->segment_size(), kGiB);
  EXPECT_EQ(snap->chunk_size(), 256u << 20);
  EXPECT_EQ(snap->path(), "/d/v");
  EXPECT_EQ(snap->ctime_ms(), clock_.UnixMillis());
  EXPECT_EQ(manager_->Stat("u", "/d/v")->sequence(), 2u);
  EXPECT_EQ(manager_->List("u", "/d")->at(0).sequence(), 2u);

  auto second = manager_->CreateSnapshot("u", "/d/v");
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition) << second.status();
  EXPECT_NE(second.status().message().find("snapshot at sequence 1"), std::string::npos)
      << second.status();
  EXPECT_EQ(manager_->Stat("u", "/d/v")->sequence(), 2u) << "a refused create raises nothing";

  struct Case {
    std::string name;
    Status status;
    StatusCode code;
    std::string expect;
  };
  std::vector<Case> cases = {
      {"missing", manager_->CreateSnapshot("u", "/d/nope").status(), StatusCode::kNotFound,
       "/d/nope"},
      {"directory", manager_->CreateSnapshot("u", "/d").status(), StatusCode::kFailedPrecondition,
       "/d is not a volume"},
      {"not owner", manager_->CreateSnapshot("bob", "/d/v").status(), StatusCode::kPermissionDenied,
       "bob"},
      {"bad path", manager_->CreateSnapshot("u", "d/v").status(), StatusCode::kInvalidArgument,
       "path"},
      {"list missing", manager_->ListSnapshots("u", "/d/nope").status(), StatusCode::kNotFound,
       "/d/nope"},
      {"delete not owner", manager_->DeleteSnapshot("bob", "/d/v", 1),
       StatusCode::kPermissionDenied, "bob"},
      {"delete wrong sequence", manager_->DeleteSnapshot("u", "/d/v", 2), StatusCode::kNotFound,
       "sequence 2"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.status.code(), c.code) << c.name << ": " << c.status;
    EXPECT_NE(c.status.message().find(c.expect), std::string::npos) << c.name << ": " << c.status;
  }
  // Anyone may list (like Stat).
  EXPECT_EQ(manager_->ListSnapshots("bob", "/d/v")->size(), 1u);

  ASSERT_TRUE(manager_->DeleteSnapshot("u", "/d/v", 1).ok());
  EXPECT_EQ(manager_->DeleteSnapshot("u", "/d/v", 1).code(), StatusCode::kNotFound);
  EXPECT_TRUE(manager_->ListSnapshots("u", "/d/v")->empty());
  auto next = manager_->CreateSnapshot("u", "/d/v");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->sequence(), 2u);
  EXPECT_EQ(manager_->Stat("u", "/d/v")->sequence(), 3u);
}

TEST_P(SnapshotTest, ConcurrentCreatesRaiseTheSequenceOnce) {
  ASSERT_TRUE(manager_->Create("u", "/v", FILE_TYPE_VOLUME, 10 * kGiB, "ssd").ok());
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = manager_->CreateSnapshot("u", "/v");
      if (r.ok()) {
        ++ok;
      } else if (r.status().code() == StatusCode::kFailedPrecondition) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), 7);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(manager_->Stat("u", "/v")->sequence(), 2u);
  // An extend racing the snapshot's raise loses neither.
  std::thread grow([&] { EXPECT_TRUE(manager_->Extend("u", "/v", 20 * kGiB).ok()); });
  ASSERT_TRUE(manager_->DeleteSnapshot("u", "/v", 1).ok());
  EXPECT_TRUE(manager_->CreateSnapshot("u", "/v").ok());
  grow.join();
  auto stat = manager_->Stat("u", "/v");
  EXPECT_EQ(stat->sequence(), 3u);
  EXPECT_EQ(stat->size(), 20 * kGiB);
}

// PENDING while the holder may still write with the snapshot's sequence; READY once it reports
// a newer one, or when nobody holds the volume.
TEST_P(SnapshotTest, PendingUntilTheHolderReportsTheNewSequence) {
  ASSERT_TRUE(manager_->Create("u", "/v", FILE_TYPE_VOLUME, 10 * kGiB, "ssd").ok());
  ASSERT_TRUE(manager_->Create("u", "/idle", FILE_TYPE_VOLUME, 10 * kGiB, "ssd").ok());
  auto opened = manager_->Open("u", "/v", "node-a");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->first.sequence(), 1u);
  const std::string session = opened->second.session_id();
  EXPECT_EQ(*manager_->Refresh("u", "/v", session, 1), 1u);

  ASSERT_TRUE(manager_->CreateSnapshot("u", "/v").ok());
  ASSERT_TRUE(manager_->CreateSnapshot("u", "/idle").ok());
  EXPECT_EQ(StateOf(*manager_, "/idle"), SnapshotInfo::READY) << "no session";
  EXPECT_EQ(StateOf(*manager_, "/v"), SnapshotInfo::PENDING);

  // The holder still writes with 1 (writes in flight), or is an old client reporting nothing.
  auto answer = manager_->Refresh("u", "/v", session, 1);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, 2u) << "the refresh answers the raised sequence";
  EXPECT_EQ(StateOf(*manager_, "/v"), SnapshotInfo::PENDING);
  EXPECT_EQ(*manager_->Refresh("u", "/v", session, 0), 2u);
  EXPECT_EQ(StateOf(*manager_, "/v"), SnapshotInfo::PENDING);
  auto ahead = manager_->Refresh("u", "/v", session, 3);
  EXPECT_EQ(ahead.status().code(), StatusCode::kInvalidArgument) << ahead.status();
  EXPECT_EQ(manager_->Refresh("u", "/v", "bogus", 2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(StateOf(*manager_, "/v"), SnapshotInfo::PENDING);

  EXPECT_EQ(*manager_->Refresh("u", "/v", session, 2), 2u);
  EXPECT_EQ(StateOf(*manager_, "/v"), SnapshotInfo::READY);
  auto stored = store_->GetSession(opened->first.id());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->sequence(), 2u);
  EXPECT_EQ((*stored)->session_id(), session);

  // A holder that opens after the snapshot starts with the raised sequence.
  ASSERT_TRUE(manager_->Close("u", "/v", session).ok());
  EXPECT_EQ(StateOf(*manager_, "/v"), SnapshotInfo::READY);
  auto reopened = manager_->Open("u", "/v", "node-b");
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(reopened->first.sequence(), 2u);
  EXPECT_EQ(StateOf(*manager_, "/v"), SnapshotInfo::READY);
  ASSERT_TRUE(manager_->DeleteSnapshot("u", "/v", 1).ok());
  ASSERT_TRUE(manager_->CreateSnapshot("u", "/v").ok());
  EXPECT_EQ(StateOf(*manager_, "/v"), SnapshotInfo::PENDING);
}

TEST_P(SnapshotTest, VolumeWithASnapshotIsNotDeletedAndKeepsItThroughRename) {
  ASSERT_TRUE(manager_->Create("u", "/v", FILE_TYPE_VOLUME, 10 * kGiB, "ssd").ok());
  ASSERT_TRUE(manager_->CreateSnapshot("u", "/v").ok());
  for (bool purge : {false, true}) {
    Status refused = manager_->Delete("u", "/v", purge);
    EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition) << refused;
    EXPECT_NE(refused.message().find("snapshot at sequence 1"), std::string::npos) << refused;
  }
  EXPECT_TRUE(manager_->Stat("u", "/v").ok());

  auto renamed = manager_->Rename("u", "/v", "/w");
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(renamed->sequence(), 2u);
  auto listed = manager_->ListSnapshots("u", "/w");
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).path(), "/w") << "the snapshot answers the current path";
  EXPECT_EQ(listed->at(0).sequence(), 1u);

  ASSERT_TRUE(manager_->DeleteSnapshot("u", "/w", 1).ok());
  ASSERT_TRUE(manager_->Delete("u", "/w", false).ok());
  auto bin = manager_->ListRecycleBin("u");
  ASSERT_EQ(bin->size(), 1u);
  EXPECT_EQ(bin->at(0).sequence(), 2u);
}

// The sequence and the snapshot are durable: a new manager on the same store (an MDS restart
// or failover, for etcd) sees them; a record stored before sequences existed counts as 1.
TEST_P(SnapshotTest, SequenceSurvivesReopenAndOldRecordsStartAtOne) {
  ASSERT_TRUE(manager_->Create("u", "/v", FILE_TYPE_VOLUME, 10 * kGiB, "ssd").ok());
  ASSERT_TRUE(manager_->CreateSnapshot("u", "/v").ok());
  FileInfo legacy;
  legacy.set_name("old");
  legacy.set_type(FILE_TYPE_VOLUME);
  legacy.set_owner("u");
  legacy.set_size(10 * kGiB);
  legacy.set_poolset("ssd");
  legacy.set_segment_size(kGiB);
  legacy.set_chunk_size(256u << 20);
  ASSERT_TRUE(store_->CreateFile(legacy).ok());

  std::unique_ptr<NamespaceStore> reopened_store;
  NamespaceStore* store = store_.get();
  if (GetParam() == "etcd") {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    reopened_store =
        std::make_unique<EtcdNamespaceStore>(*client_, std::string("/test/") + info->name() + "/");
    store = reopened_store.get();
  }
  NamespaceManager reopened(
      *store, [this](const std::string& p) { return pools_(p); }, clock_, manager_->options());
  EXPECT_EQ(reopened.Stat("u", "/v")->sequence(), 2u);
  auto listed = reopened.ListSnapshots("u", "/v");
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).sequence(), 1u);
  EXPECT_EQ(listed->at(0).state(), SnapshotInfo::READY);

  EXPECT_EQ(reopened.Stat("u", "/old")->sequence(), 1u);
  auto opened = reopened.Open("u", "/old", "node-a");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->first.sequence(), 1u);
  auto snap = reopened.CreateSnapshot("u", "/old");
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ(snap->sequence(), 1u);
  EXPECT_EQ(reopened.Stat("u", "/old")->sequence(), 2u);
  EXPECT_EQ(*reopened.Refresh("u", "/old", opened->second.session_id(), 1), 2u);
}

INSTANTIATE_TEST_SUITE_P(Stores, SnapshotTest, ::testing::Values("fake", "etcd"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace curve::mds
