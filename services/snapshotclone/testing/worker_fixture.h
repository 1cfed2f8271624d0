#pragma once

// A fixture for the worker and API tests: a real etcd (one per suite, a key prefix per test),
// a FakeVolumeSnapshotSource with 64 KiB chunks in 256 KiB segments, and a FakeObjectStore.

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>

#include "common/etcd/etcd_test_fixture.h"
#include "common/s3/testing/fake_object_store.h"
#include "services/snapshotclone/clone_worker.h"
#include "services/snapshotclone/snapshot_worker.h"
#include "services/snapshotclone/task_store.h"
#include "services/snapshotclone/testing/fake_snapshot_source.h"

namespace curve::snapshotclone::testing {

inline constexpr uint64_t kChunk = 64 * 1024;
inline constexpr uint64_t kSegment = 256 * 1024;
inline constexpr uint64_t kVolumeSize = 4 * kSegment;  // 16 chunks

// `length` bytes whose every 8 bytes name their offset and `generation`: any misplaced or stale
// block is recognised.
inline std::string Pattern(uint64_t offset, uint64_t length, uint64_t generation) {
  std::string out(length, '\0');
  for (uint64_t i = 0; i + 8 <= length; i += 8) {
    uint64_t value = ((offset + i) << 8) ^ (generation * 0x9E3779B97F4A7C15ull) ^ 0x5A;
    std::memcpy(&out[i], &value, 8);
  }
  return out;
}

class WorkerTest : public etcd::EtcdTest {
 protected:
  void SetUp() override {
    etcd::EtcdTest::SetUp();
    store_ = std::make_unique<TaskStore>(*client_, prefix_);
    options_.ready_poll = std::chrono::milliseconds(5);
    options_.ready_timeout = std::chrono::seconds(10);
    snapshots_ = std::make_unique<SnapshotWorker>(*store_, source_, objects_, options_);
    clones_ = std::make_unique<CloneWorker>(*store_, source_, objects_, options_);
  }

  // A volume /vol of alice with generation-`g` data in chunks 0 and 1 (segment 0) and 9
  // (segment 2), zeros written to chunk 2; segments 1 and 3 never written.
  void MakeVolume(uint64_t g = 1) {
    ASSERT_TRUE(source_.CreateVolume("alice", "/vol", kVolumeSize, "ssd").ok());
    ASSERT_TRUE(source_.Write("/vol", 0, Pattern(0, 2 * kChunk, g)).ok());
    ASSERT_TRUE(source_.Write("/vol", 9 * kChunk, Pattern(9 * kChunk, kChunk, g)).ok());
    ASSERT_TRUE(source_.Write("/vol", 2 * kChunk, std::string(kChunk, '\0')).ok());
  }

  std::string NewSnapshot(const std::string& file = "/vol") {
    SnapshotRecord record;
    record.uuid = NewUuid();
    record.user = "alice";
    record.file = file;
    record.name = "snap";
    record.time_us = NowMicros();
    EXPECT_TRUE(store_->CreateSnapshot(record).ok());
    return record.uuid;
  }

  std::string NewClone(const std::string& source, const std::string& destination,
                       CloneType type = CloneType::kClone) {
    CloneRecord record;
    record.uuid = NewUuid();
    record.user = "alice";
    record.source = source;
    record.destination = destination;
    record.type = type;
    record.source_is_snapshot = source.front() != '/';
    record.status = type == CloneType::kClone ? CloneStatus::kCloning : CloneStatus::kRecovering;
    record.time_us = NowMicros();
    EXPECT_TRUE(store_->CreateClone(record).ok());
    return record.uuid;
  }

  // What the API does on a cancel or delete request.
  void SetSnapshotStatus(const std::string& uuid, SnapshotStatus status) {
    ASSERT_TRUE(store_
                    ->UpdateSnapshot(uuid,
                                     [status](SnapshotRecord* r) {
                                       r->status = status;
                                       return Status::Ok();
                                     })
                    .ok());
  }

  SnapshotRecord Snapshot(const std::string& uuid) {
    auto found = store_->GetSnapshot(uuid);
    EXPECT_TRUE(found.ok() && found->has_value()) << uuid;
    return found.ok() && found->has_value() ? **found : SnapshotRecord{};
  }
  CloneRecord Clone(const std::string& uuid) {
    auto found = store_->GetClone(uuid);
    EXPECT_TRUE(found.ok() && found->has_value()) << uuid;
    return found.ok() && found->has_value() ? **found : CloneRecord{};
  }
  std::vector<std::string> Objects(const std::string& prefix = "snapshots/") {
    auto keys = objects_.List(prefix);
    EXPECT_TRUE(keys.ok());
    return keys.ok() ? *keys : std::vector<std::string>{};
  }

  std::atomic<bool> stop_{false};
  FakeVolumeSnapshotSource source_{kChunk, kSegment};
  s3::FakeObjectStore objects_;
  WorkerOptions options_;
  std::unique_ptr<TaskStore> store_;
  std::unique_ptr<SnapshotWorker> snapshots_;
  std::unique_ptr<CloneWorker> clones_;
};

}  // namespace curve::snapshotclone::testing
