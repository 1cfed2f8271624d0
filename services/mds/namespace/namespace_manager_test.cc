#include "services/mds/namespace/namespace_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "services/mds/namespace/namespace_test_fixture.h"

namespace curve::mds {
namespace {

TEST_P(NamespaceTest, CreateStatListRenameExtendDeletePurge) {
  ASSERT_TRUE(manager_->Create("alice", "/alice", FILE_TYPE_DIRECTORY, 0, "").ok());
  auto vol = manager_->Create("alice", "/alice/v1", FILE_TYPE_VOLUME, 10 * kGiB, "ssd");
  ASSERT_TRUE(vol.ok()) << vol.status();
  EXPECT_EQ(vol->poolset(), "ssd");
  auto stat = manager_->Stat("alice", "/alice/v1");
  ASSERT_TRUE(stat.ok());
  EXPECT_EQ(stat->id(), vol->id());
  EXPECT_EQ(stat->size(), 10 * kGiB);
  EXPECT_EQ(stat->owner(), "alice");
  ASSERT_TRUE(manager_->Create("alice", "/alice/v2", FILE_TYPE_VOLUME, 10 * kGiB, "").ok());
  auto list = manager_->List("alice", "/alice");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].path(), "/alice/v2");
  EXPECT_EQ((*list)[1].poolset(), "default");

  auto renamed = manager_->Rename("alice", "/alice/v2", "/alice/v3");
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(manager_->Stat("alice", "/alice/v2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(manager_->Stat("alice", "/alice/v3")->id(), renamed->id());
  EXPECT_EQ(manager_->Rename("alice", "/alice/v3", "/alice/v1").status().code(),
            StatusCode::kAlreadyExists);
  // Regression: a rename onto itself reached etcd as a transaction naming one key twice, which
  // etcd refuses ("duplicate key given in txn request") and which surfaced as INVALID_ARGUMENT.
  EXPECT_EQ(manager_->Rename("alice", "/alice/v3", "/alice/v3").status().code(),
            StatusCode::kAlreadyExists);

  auto grown = manager_->Extend("alice", "/alice/v1", 20 * kGiB);
  ASSERT_TRUE(grown.ok()) << grown.status();
  EXPECT_EQ(manager_->Stat("alice", "/alice/v1")->size(), 20 * kGiB);
  auto shrink = manager_->Extend("alice", "/alice/v1", 10 * kGiB);
  EXPECT_EQ(shrink.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(shrink.status().message().find("new_size"), std::string::npos);

  ASSERT_TRUE(manager_->GetOrAllocateSegment("alice", "/alice/v1", 0, true).ok());
  EXPECT_EQ(manager_->Delete("alice", "/alice", false).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(manager_->Delete("alice", "/alice/v1", false).ok());
  EXPECT_EQ(manager_->Stat("alice", "/alice/v1").status().code(), StatusCode::kNotFound);
  auto bin = manager_->ListRecycleBin("alice");
  ASSERT_TRUE(bin.ok());
  ASSERT_EQ(bin->size(), 1u);
  EXPECT_EQ((*bin)[0].path(), "/alice/v1");
  EXPECT_EQ(manager_->ListRecycleBin("bob")->size(), 0u);
  EXPECT_EQ(manager_->Purge("bob", vol->id()).code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(manager_->Purge("alice", vol->id()).ok());
  EXPECT_EQ(manager_->Purge("alice", vol->id()).code(), StatusCode::kNotFound);
  EXPECT_TRUE(manager_->ListRecycleBin("root")->empty());
  ASSERT_TRUE(manager_->Delete("alice", "/alice/v3", true).ok());
  ASSERT_TRUE(manager_->Delete("alice", "/alice", false).ok());
}

// Purged volumes are garbage until their chunks are deleted on the chunkservers: a segment
// with a chunk that cannot be deleted now stays and is retried; everything is forgotten at the
// end, and no chunk of a live or recycled volume is ever deleted.
TEST_P(NamespaceTest, PurgedVolumesChunksAreDeletedThenForgotten) {
  ASSERT_TRUE(manager_->Create("alice", "/d", FILE_TYPE_DIRECTORY, 0, "").ok());
  std::map<std::string, std::set<uint64_t>> chunks;
  for (std::string path : {"/d/a", "/d/b", "/d/kept"}) {
    ASSERT_TRUE(manager_->Create("alice", path, FILE_TYPE_VOLUME, 10 * kGiB, "ssd").ok());
    for (uint64_t offset : {uint64_t{0}, 3 * kGiB}) {
      auto segment = manager_->GetOrAllocateSegment("alice", path, offset, true);
      ASSERT_TRUE(segment.ok()) << segment.status();
      for (const auto& c : segment->chunks()) chunks[path].insert(c.chunk_id());
    }
    ASSERT_EQ(chunks[path].size(), 8u);
  }
  std::set<uint64_t> deleted;
  uint64_t unreachable = 0;
  auto deleter = [&](uint32_t pool, uint32_t copyset, uint64_t chunk) {
    EXPECT_TRUE(pool == 1 || pool == 2) << pool;
    if (chunk == unreachable) return UnavailableError("copyset has no leader");
    deleted.insert(chunk);
    return Status::Ok();
  };
  ASSERT_TRUE(manager_->Delete("alice", "/d/a", true).ok());  // purged at once
  ASSERT_TRUE(manager_->Delete("alice", "/d/b", false).ok());
  auto run = manager_->CollectGarbage(deleter, 100);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(*run, 8);
  EXPECT_EQ(deleted, chunks["/d/a"]) << "only the purged volume's chunks";
  EXPECT_TRUE(store_->ListGarbage()->empty());

  // b leaves the recycle bin; one of its chunks cannot be deleted yet.
  auto bin = manager_->ListRecycleBin("alice");
  ASSERT_EQ(bin->size(), 1u);
  ASSERT_TRUE(manager_->Purge("alice", bin->at(0).id()).ok());
  deleted.clear();
  unreachable = *chunks["/d/b"].rbegin();
  EXPECT_EQ(*manager_->CollectGarbage(deleter, 3), 3) << "the budget ends a run";
  run = manager_->CollectGarbage(deleter, 100);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(deleted.size(), 7u);
  EXPECT_EQ(store_->ListGarbage()->size(), 1u);
  EXPECT_EQ(store_->ListSegments(bin->at(0).id())->size(), 1u) << "the failed segment stays";
  unreachable = 0;
  ASSERT_TRUE(manager_->CollectGarbage(deleter, 100).ok());
  EXPECT_EQ(deleted, chunks["/d/b"]);
  EXPECT_TRUE(store_->ListGarbage()->empty());
  EXPECT_TRUE(store_->ListSegments(bin->at(0).id())->empty());
  EXPECT_EQ(*manager_->CollectGarbage(deleter, 100), 0);
  EXPECT_TRUE(manager_->GetOrAllocateSegment("alice", "/d/kept", 3 * kGiB, false).ok());
}

TEST_P(NamespaceTest, RecoverFromRecycleBinAndPurgeAfterRetention) {
  ASSERT_TRUE(manager_->Create("alice", "/d", FILE_TYPE_DIRECTORY, 0, "").ok());
  auto vol = manager_->Create("alice", "/d/v", FILE_TYPE_VOLUME, 10 * kGiB, "ssd");
  ASSERT_TRUE(vol.ok()) << vol.status();
  ASSERT_TRUE(manager_->GetOrAllocateSegment("alice", "/d/v", 0, true).ok());
  ASSERT_TRUE(manager_->Delete("alice", "/d/v", false).ok());

  EXPECT_EQ(manager_->Recover("bob", vol->id(), "").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(manager_->Recover("alice", 999, "").status().code(), StatusCode::kNotFound);
  auto bad = manager_->Recover("alice", vol->id(), "relative");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("new_path"), std::string::npos) << bad.status();
  EXPECT_EQ(manager_->Recover("alice", vol->id(), "/nodir/v").status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(manager_->Create("alice", "/d/v", FILE_TYPE_VOLUME, 10 * kGiB, "ssd").ok());
  auto taken = manager_->Recover("alice", vol->id(), "");
  EXPECT_EQ(taken.status().code(), StatusCode::kAlreadyExists) << taken.status();

  // Recovered under a new name with its id and segments.
  auto back = manager_->Recover("alice", vol->id(), "/d/v2");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id(), vol->id());
  EXPECT_EQ(back->path(), "/d/v2");
  EXPECT_TRUE(manager_->GetOrAllocateSegment("alice", "/d/v2", 0, false).ok());
  EXPECT_TRUE(manager_->ListRecycleBin("alice")->empty());
  auto stat = manager_->Stat("alice", "/d/v2");
  ASSERT_TRUE(stat.ok());
  EXPECT_EQ(stat->deleted_ms(), 0);

  // Retention: deleted an hour apart; only the older one is purged once its time is up.
  ASSERT_TRUE(manager_->Delete("alice", "/d/v2", false).ok());
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(manager_->Delete("alice", "/d/v", false).ok());
  clock_.Advance(std::chrono::hours(24 * 7) - std::chrono::minutes(30));
  auto purged = manager_->PurgeExpired();
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 1);
  auto left = manager_->ListRecycleBin("root");
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->at(0).path(), "/d/v");
  EXPECT_EQ(manager_->GetOrAllocateSegment("root", "/d/v2", 0, false).status().code(),
            StatusCode::kNotFound);
}

TEST_P(NamespaceTest, BadInputNamesTheField) {
  ASSERT_TRUE(manager_->Create("alice", "/v", FILE_TYPE_VOLUME, 10 * kGiB, "ssd").ok());
  struct Case {
    std::string name;
    Status status;
    StatusCode code;
    std::string field;
  };
  std::vector<Case> cases = {
      {"relative path", manager_->Create("a", "v", FILE_TYPE_VOLUME, 10 * kGiB, "").status(),
       StatusCode::kInvalidArgument, "path"},
      {"empty user", manager_->Create("", "/x", FILE_TYPE_VOLUME, 10 * kGiB, "").status(),
       StatusCode::kInvalidArgument, "user"},
      {"too small", manager_->Create("a", "/x", FILE_TYPE_VOLUME, kGiB, "").status(),
       StatusCode::kInvalidArgument, "size"},
      {"too large", manager_->Create("a", "/x", FILE_TYPE_VOLUME, 1ull << 50, "").status(),
       StatusCode::kInvalidArgument, "size"},
      {"unaligned", manager_->Create("a", "/x", FILE_TYPE_VOLUME, 10 * kGiB + 1, "").status(),
       StatusCode::kInvalidArgument, "segment size"},
      {"unknown poolset", manager_->Create("a", "/x", FILE_TYPE_VOLUME, 10 * kGiB, "nvme").status(),
       StatusCode::kNotFound, "poolset nvme"},
      {"no type", manager_->Create("a", "/x", FILE_TYPE_UNSPECIFIED, 0, "").status(),
       StatusCode::kInvalidArgument, "type"},
      {"exists", manager_->Create("a", "/v", FILE_TYPE_VOLUME, 10 * kGiB, "").status(),
       StatusCode::kAlreadyExists, "/v already exists"},
      {"no parent", manager_->Create("a", "/d/x", FILE_TYPE_VOLUME, 10 * kGiB, "").status(),
       StatusCode::kNotFound, "parent directory /d"},
      {"parent is volume", manager_->Create("a", "/v/x", FILE_TYPE_VOLUME, 10 * kGiB, "").status(),
       StatusCode::kFailedPrecondition, "/v is not a directory"},
      {"dotdot", manager_->Stat("a", "/../v").status(), StatusCode::kInvalidArgument, "path"},
      {"stat missing", manager_->Stat("a", "/nope").status(), StatusCode::kNotFound, "/nope"},
      {"not owner", manager_->Extend("bob", "/v", 20 * kGiB).status(),
       StatusCode::kPermissionDenied, "bob"},
      {"rename into itself", manager_->Rename("alice", "/v", "/v/w").status(),
       StatusCode::kInvalidArgument, "new_path"},
      {"segment unaligned", manager_->GetOrAllocateSegment("alice", "/v", 5, true).status(),
       StatusCode::kInvalidArgument, "offset"},
      {"segment beyond", manager_->GetOrAllocateSegment("alice", "/v", 10 * kGiB, true).status(),
       StatusCode::kOutOfRange, "offset"},
      {"segment unallocated", manager_->GetOrAllocateSegment("alice", "/v", 0, false).status(),
       StatusCode::kNotFound, "not allocated"},
      {"open without client", manager_->Open("alice", "/v", "").status(),
       StatusCode::kInvalidArgument, "client"},
      {"delete root", manager_->Delete("root", "/", false), StatusCode::kInvalidArgument, "root"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.status.code(), c.code) << c.name << ": " << c.status;
    EXPECT_NE(c.status.message().find(c.field), std::string::npos) << c.name << ": " << c.status;
  }
}

TEST_P(NamespaceTest, ConcurrentCreatesOfOneNameExactlyOneSucceeds) {
  for (int round = 0; round < 3; ++round) {
    std::string path = "/race" + std::to_string(round);
    std::atomic<int> ok{0}, exists{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&] {
        auto r = manager_->Create("u", path, FILE_TYPE_VOLUME, 10 * kGiB, "ssd");
        if (r.ok()) {
          ++ok;
        } else if (r.status().code() == StatusCode::kAlreadyExists) {
          ++exists;
        } else {
          ++other;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(exists.load(), 7);
    EXPECT_EQ(other.load(), 0);
  }
  // Distinct names get distinct ids.
  std::set<uint64_t> ids;
  for (int round = 0; round < 3; ++round) {
    ids.insert(manager_->Stat("u", "/race" + std::to_string(round))->id());
  }
  EXPECT_EQ(ids.size(), 3u);
}

TEST_P(NamespaceTest, SegmentsSpreadStayInPoolsetAndRespectUsageLimit) {
  ASSERT_TRUE(manager_->Create("u", "/s", FILE_TYPE_VOLUME, 20 * kGiB, "ssd").ok());
  ASSERT_TRUE(manager_->Create("u", "/h", FILE_TYPE_VOLUME, 10 * kGiB, "hdd").ok());
  ASSERT_TRUE(manager_->Create("u", "/d", FILE_TYPE_VOLUME, 10 * kGiB, "").ok());
  pools_.used[1] = 0.5;  // pool 2 is emptier: it takes the allocations
  std::map<uint32_t, int> per_copyset;
  std::set<uint64_t> chunk_ids;
  for (uint64_t i = 0; i < 4; ++i) {
    auto seg = manager_->GetOrAllocateSegment("u", "/s", i * kGiB, true);
    ASSERT_TRUE(seg.ok()) << seg.status();
    EXPECT_EQ(seg->logical_pool_id(), 2u);
    ASSERT_EQ(seg->chunks_size(), 4);
    for (const auto& c : seg->chunks()) {
      ++per_copyset[c.copyset_id()];
      chunk_ids.insert(c.chunk_id());
    }
    auto again = manager_->GetOrAllocateSegment("u", "/s", i * kGiB, false);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->SerializeAsString(), seg->SerializeAsString());
  }
  EXPECT_EQ(chunk_ids.size(), 16u);
  ASSERT_EQ(per_copyset.size(), 4u);
  for (const auto& [id, n] : per_copyset) {
    EXPECT_GE(id, 5u);
    EXPECT_EQ(n, 4);
  }
  auto hdd = manager_->GetOrAllocateSegment("u", "/h", 0, true);
  ASSERT_TRUE(hdd.ok());
  EXPECT_EQ(hdd->logical_pool_id(), 3u);
  for (const auto& c : hdd->chunks()) EXPECT_GE(c.copyset_id(), 100u);

  pools_.used[1] = 0.9;
  pools_.used[2] = 0.86;
  auto full = manager_->GetOrAllocateSegment("u", "/s", 5 * kGiB, true);
  EXPECT_EQ(full.status().code(), StatusCode::kResourceExhausted) << full.status();
  EXPECT_EQ(manager_->GetOrAllocateSegment("u", "/d", 0, true).status().code(),
            StatusCode::kFailedPrecondition);

  // Concurrent first writes of one segment all see the same allocation.
  pools_.used[1] = pools_.used[2] = 0;
  std::vector<std::string> seen(6);
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto seg = manager_->GetOrAllocateSegment("u", "/s", 7 * kGiB, true);
      if (seg.ok()) seen[i] = seg->SerializeAsString();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : seen) EXPECT_EQ(s, seen[0]);
  EXPECT_FALSE(seen[0].empty());
}

TEST_P(NamespaceTest, SecondWriterRefusedUntilClose) {
  ASSERT_TRUE(manager_->Create("u", "/v", FILE_TYPE_VOLUME, 10 * kGiB, "ssd").ok());
  auto first = manager_->Open("u", "/v", "node-a");
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = manager_->Open("u", "/v", "node-b");
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("node-a"), std::string::npos) << second.status();
  EXPECT_TRUE(manager_->Refresh("u", "/v", first->second.session_id()).ok());
  EXPECT_EQ(manager_->Refresh("u", "/v", "bogus").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(manager_->Delete("u", "/v", false).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(manager_->Close("u", "/v", "bogus").code(), StatusCode::kNotFound);
  ASSERT_TRUE(manager_->Close("u", "/v", first->second.session_id()).ok());
  EXPECT_TRUE(manager_->Open("u", "/v", "node-b").ok());
}

INSTANTIATE_TEST_SUITE_P(Stores, NamespaceTest, ::testing::Values("fake", "etcd"),
                         [](const auto& info) { return info.param; });

TEST(NamespaceUnavailableTest, EtcdUnreachableIsUnavailable) {
  etcd::EtcdOptions options;
  options.endpoints = {"127.0.0.1:1"};
  options.retry.total_timeout = std::chrono::milliseconds(500);
  options.retry.attempt_timeout = std::chrono::milliseconds(200);
  auto client = etcd::EtcdClient::Create(options);
  ASSERT_TRUE(client.ok());
  EtcdNamespaceStore store(**client, "/x/");
  FakeClock clock;
  FakePools pools;
  NamespaceManager manager(store, pools, clock, NamespaceOptions{});
  auto created = manager.Create("u", "/v", FILE_TYPE_VOLUME, 10 * kGiB, "ssd");
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable) << created.status();
}

}  // namespace
}  // namespace curve::mds
