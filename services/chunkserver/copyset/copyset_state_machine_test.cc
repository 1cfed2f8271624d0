#include "services/chunkserver/copyset/copyset_state_machine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/fs/posix_file_system.h"
#include "common/testing/subprocess.h"
#include "proto/chunkserver/chunk.pb.h"
#include "services/chunkserver/datastore/file_pool.h"

namespace curve::chunkserver {
namespace {

constexpr uint64_t kChunk = 1 << 20;

// A formatted data dir with its ChunkStore (buffered IO so tmpfs works too).
struct Disk {
  explicit Disk(const std::string& dir) {
    FormatOptions format;
    format.chunk_size = kChunk;
    format.chunk_count = 6;
    EXPECT_TRUE(FilePool::Format(dir, format, &fs).ok());
    ChunkStoreOptions options;
    options.data_dir = dir;
    options.direct_io = false;
    auto opened = ChunkStore::Open(options, &fs);
    EXPECT_TRUE(opened.ok()) << opened.status();
    store = std::move(opened).value();
  }
  fs::PosixFileSystem fs;
  std::unique_ptr<ChunkStore> store;
};

class CopysetStateMachineTest : public ::testing::Test {
 protected:
  testing::TempDir temp_;
  Disk disk_{temp_.path() + "/a"};
  CopysetStateMachine sm_{"1.1", disk_.store.get()};
};

TEST_F(CopysetStateMachineTest, AppliesWritesAndDeletes) {
  sm_.Apply(1, CopysetStateMachine::EncodeWrite(7, 4096, std::string(4096, 'x'), 3));
  EXPECT_TRUE(sm_.TakeResult(1).ok());
  EXPECT_TRUE(sm_.Has(7));
  EXPECT_EQ(sm_.chunk_count(), 1u);
  auto data = disk_.store->Read(7, 4096, 4096);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(*data, std::string(4096, 'x'));
  EXPECT_EQ(disk_.store->GetInfo(7)->sequence, 3u);
  sm_.Apply(2, CopysetStateMachine::EncodeDelete(7));
  EXPECT_TRUE(sm_.TakeResult(2).ok());
  EXPECT_FALSE(sm_.Has(7));
  // Deleting what is gone (a replayed entry) is not an error.
  sm_.Apply(3, CopysetStateMachine::EncodeDelete(7));
  EXPECT_TRUE(sm_.TakeResult(3).ok());
}

TEST_F(CopysetStateMachineTest, RefusedOpsAreReportedOnceToTheProposer) {
  sm_.Apply(1, "\xff\xff not a chunk op");
  Status s = sm_.TakeResult(1);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s;
  EXPECT_TRUE(sm_.TakeResult(1).ok());  // forgotten once taken
  sm_.Apply(3, "");                     // a leader's empty entry
  EXPECT_TRUE(sm_.TakeResult(3).ok());
  ChunkOp future;
  future.set_kind(static_cast<ChunkOp::Kind>(42));
  sm_.Apply(4, future.SerializeAsString());
  EXPECT_EQ(sm_.TakeResult(4).code(), StatusCode::kInvalidArgument);
  sm_.Apply(2, CopysetStateMachine::EncodeWrite(7, 100, std::string(4096, 'x'), 0));
  EXPECT_EQ(sm_.TakeResult(2).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(sm_.Has(7));
  // A pool of 6 files runs out: RESOURCE_EXHAUSTED to the proposer, the copyset keeps what it
  // had, and the chunk this replica could not store is damaged here, never silently absent.
  for (ChunkId id = 1; id <= 6; ++id) {
    sm_.Apply(10 + id, CopysetStateMachine::EncodeWrite(id, 0, std::string(4096, 'y'), 0));
    EXPECT_TRUE(sm_.TakeResult(10 + id).ok());
  }
  sm_.Apply(20, CopysetStateMachine::EncodeWrite(99, 0, std::string(4096, 'y'), 0));
  EXPECT_EQ(sm_.TakeResult(20).code(), StatusCode::kResourceExhausted);
  for (ChunkId id = 1; id <= 6; ++id) EXPECT_TRUE(sm_.CheckHealthy(id).ok()) << id;
  EXPECT_TRUE(sm_.Has(99));
  Status damaged = sm_.CheckHealthy(99);
  EXPECT_EQ(damaged.code(), StatusCode::kDataLoss);
  EXPECT_NE(damaged.message().find("index 20"), std::string::npos) << damaged;
  EXPECT_EQ(sm_.Problems().size(), 1u);
}

TEST_F(CopysetStateMachineTest, SnapshotListsChunksAndLoadDropsUnlisted) {
  sm_.Apply(1, CopysetStateMachine::EncodeWrite(1, 0, std::string(4096, 'a'), 5));
  sm_.Apply(2, CopysetStateMachine::EncodeWrite(2, 0, std::string(4096, 'b'), 0));
  auto snapshot = sm_.SaveSnapshot();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  sm_.Apply(3, CopysetStateMachine::EncodeWrite(3, 0, std::string(4096, 'c'), 0));
  raft::SnapshotMeta meta;
  meta.index = 2;
  meta.config.voters = {1, 2, 3};
  ASSERT_TRUE(sm_.LoadSnapshot(meta, *snapshot).ok());
  EXPECT_TRUE(sm_.Has(1));
  EXPECT_TRUE(sm_.Has(2));
  EXPECT_FALSE(sm_.Has(3));
  EXPECT_EQ(disk_.store->GetInfo(3).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(sm_.config(), meta.config);
  EXPECT_TRUE(sm_.Problems().empty());
  EXPECT_EQ(sm_.LoadSnapshot(meta, "\xff garbage").code(), StatusCode::kDataLoss);
}

// Restart with a listed chunk's file gone: reported, DATA_LOSS naming the file, never zeros.
TEST_F(CopysetStateMachineTest, MissingListedChunkIsDataLossNamingTheFile) {
  sm_.Apply(1, CopysetStateMachine::EncodeWrite(4, 0, std::string(4096, 'a'), 0));
  auto snapshot = sm_.SaveSnapshot();
  ASSERT_TRUE(snapshot.ok());
  std::string path = disk_.store->ChunkPath(4);
  disk_.store.reset();
  std::filesystem::remove(path);
  Disk reopened(temp_.path() + "/a");
  CopysetStateMachine restarted("1.1", reopened.store.get());
  ASSERT_TRUE(restarted.LoadSnapshot({}, *snapshot).ok());
  Status s = restarted.CheckHealthy(4);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find(path), std::string::npos) << s;
  ASSERT_EQ(restarted.Problems().size(), 1u);
}

// Log replay onto a chunk whose header was damaged while the chunkserver was down: the chunk
// stays the copyset's and reads of it answer DATA_LOSS (never "not written", i.e. zeros).
TEST_F(CopysetStateMachineTest, ReplayOntoDamagedChunkKeepsItDataLoss) {
  sm_.Apply(1, CopysetStateMachine::EncodeWrite(5, 0, std::string(4096, 'a'), 0));
  std::string path = disk_.store->ChunkPath(5);
  disk_.store.reset();
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.write("garbage!", 8);
  }
  Disk reopened(temp_.path() + "/a");
  CopysetStateMachine restarted("1.1", reopened.store.get());
  restarted.Apply(1, CopysetStateMachine::EncodeWrite(5, 0, std::string(4096, 'a'), 0));
  EXPECT_EQ(restarted.TakeResult(1).code(), StatusCode::kDataLoss);
  EXPECT_TRUE(restarted.Has(5));
  Status s = restarted.CheckHealthy(5);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("chunk_5"), std::string::npos) << s;
}

// The snapshot stream: the leader's reader feeds a new member's writer; zero pieces are skipped
// and the member ends with the same chunk contents.
TEST_F(CopysetStateMachineTest, SnapshotStreamCopiesChunkFiles) {
  std::string tail(4096, 't');
  sm_.Apply(1, CopysetStateMachine::EncodeWrite(1, 0, std::string(4096, 'a'), 2));
  sm_.Apply(2, CopysetStateMachine::EncodeWrite(2, kChunk - 4096, tail, 0));
  auto data = sm_.SaveSnapshot();
  ASSERT_TRUE(data.ok());
  raft::Snapshot snapshot;
  snapshot.meta.index = 2;
  snapshot.data = *data;
  auto reader = sm_.OpenSnapshotReader(snapshot);
  ASSERT_TRUE(reader.ok()) << reader.status();

  Disk other(temp_.path() + "/b");
  // A stale local copy of chunk 2 is replaced, not merged.
  ASSERT_TRUE(other.store->Write(2, 0, std::string(4096, 's')).ok());
  CopysetStateMachine member("1.1", other.store.get());
  auto writer = member.OpenSnapshotWriter(1, snapshot.meta);
  ASSERT_TRUE(writer.ok());
  std::string piece;
  int pieces = 0;
  while (true) {
    auto more = (*reader)->Next(&piece);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    ASSERT_TRUE((*writer)->Write(piece).ok());
    ++pieces;
  }
  EXPECT_EQ(pieces, 2);  // 1 MiB chunks, one piece each
  ASSERT_TRUE((*writer)->Finish().ok());
  ASSERT_TRUE(member.LoadSnapshot(snapshot.meta, snapshot.data).ok());
  EXPECT_EQ(*other.store->Read(1, 0, 4096), std::string(4096, 'a'));
  EXPECT_EQ(other.store->GetInfo(1)->sequence, 2u);
  EXPECT_EQ(*other.store->Read(2, 0, 4096), std::string(4096, '\0'));
  EXPECT_EQ(*other.store->Read(2, kChunk - 4096, 4096), tail);
  EXPECT_TRUE(member.Has(1) && member.Has(2));
}

// The snapshot read of one block: the data, "absent", or the error.
std::string SnapshotBlock(ChunkStore& store, ChunkId id, uint64_t sequence, uint64_t offset = 0) {
  std::string out(4096, '?');
  auto exists = store.ReadSnapshotInto(id, sequence, offset, out.size(), out.data());
  if (!exists.ok()) return exists.status().ToString();
  return *exists ? out : "absent";
}

// Streams `snapshot` from `from` into a new member over `to`; returns the number of pieces.
int Stream(CopysetStateMachine& from, CopysetStateMachine& to, const raft::Snapshot& snapshot) {
  auto reader = from.OpenSnapshotReader(snapshot);
  EXPECT_TRUE(reader.ok()) << reader.status();
  auto writer = to.OpenSnapshotWriter(1, snapshot.meta);
  EXPECT_TRUE(writer.ok());
  if (!reader.ok() || !writer.ok()) return -1;
  std::string piece;
  int pieces = 0;
  while (true) {
    auto more = (*reader)->Next(&piece);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    EXPECT_TRUE((*writer)->Write(piece).ok());
    ++pieces;
  }
  EXPECT_TRUE((*writer)->Finish().ok());
  EXPECT_TRUE(to.LoadSnapshot(snapshot.meta, snapshot.data).ok());
  return pieces;
}

TEST_F(CopysetStateMachineTest, WritesPreserveAndDeleteSnapshotDropsTheCopy) {
  sm_.Apply(1, CopysetStateMachine::EncodeWrite(7, 0, std::string(4096, 'a'), 1));
  sm_.Apply(2, CopysetStateMachine::EncodeWrite(7, 0, std::string(4096, 'b'), 2));
  EXPECT_TRUE(sm_.TakeResult(2).ok());
  EXPECT_EQ(disk_.store->GetInfo(7)->snapshot_sequence, 1u);
  EXPECT_EQ(SnapshotBlock(*disk_.store, 7, 1), std::string(4096, 'a'));
  const size_t free_with_copy = disk_.store->pool()->free_count();

  sm_.Apply(3, CopysetStateMachine::EncodeDeleteSnapshot(7, 1));
  EXPECT_TRUE(sm_.TakeResult(3).ok());
  EXPECT_EQ(disk_.store->GetInfo(7)->snapshot_sequence, 0u);
  EXPECT_EQ(disk_.store->pool()->free_count(), free_with_copy + 1);
  EXPECT_EQ(SnapshotBlock(*disk_.store, 7, 1), "absent");
  // No copy left: the snapshot at the chunk's own sequence ends by raising it past.
  sm_.Apply(4, CopysetStateMachine::EncodeDeleteSnapshot(7, 2));
  EXPECT_TRUE(sm_.TakeResult(4).ok());
  EXPECT_EQ(disk_.store->GetInfo(7)->sequence, 3u);
  // A write of the ended snapshot's epoch is now refused everywhere alike, nothing damaged.
  sm_.Apply(5, CopysetStateMachine::EncodeWrite(7, 0, std::string(4096, 'x'), 2));
  EXPECT_EQ(sm_.TakeResult(5).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(sm_.CheckHealthy(7).ok());
  // Of a chunk the copyset never had (or a replayed deletion): OK.
  sm_.Apply(6, CopysetStateMachine::EncodeDeleteSnapshot(99, 1));
  EXPECT_TRUE(sm_.TakeResult(6).ok());
  sm_.Apply(7, CopysetStateMachine::EncodeDeleteSnapshot(7, 1));
  EXPECT_TRUE(sm_.TakeResult(7).ok());
  EXPECT_EQ(disk_.store->GetInfo(7)->sequence, 3u);
  EXPECT_TRUE(sm_.Problems().empty());
}

TEST_F(CopysetStateMachineTest, SnapshotListsAndStreamsPreservedCopies) {
  std::string tail(4096, 'z');
  sm_.Apply(1, CopysetStateMachine::EncodeWrite(1, 0, std::string(4096, 'a'), 1));
  sm_.Apply(2, CopysetStateMachine::EncodeWrite(1, kChunk - 4096, tail, 1));
  sm_.Apply(3, CopysetStateMachine::EncodeWrite(1, 0, std::string(4096, 'b'), 2));
  sm_.Apply(4, CopysetStateMachine::EncodeWrite(2, 0, std::string(4096, 'c'), 2));
  auto data = sm_.SaveSnapshot();
  ASSERT_TRUE(data.ok()) << data.status();
  CopysetSnapshot listed;
  ASSERT_TRUE(listed.ParseFromString(*data));
  ASSERT_EQ(listed.chunks_size(), 2);
  EXPECT_EQ(listed.chunks(0).snapshot_sequence(), 1u);
  EXPECT_EQ(listed.chunks(0).sequence(), 2u);
  EXPECT_EQ(listed.chunks(1).snapshot_sequence(), 0u);

  raft::Snapshot snapshot;
  snapshot.meta.index = 4;
  snapshot.data = *data;
  Disk other(temp_.path() + "/b");
  // A stale local chunk 1 with a copy at another sequence is replaced, copy included.
  ASSERT_TRUE(other.store->Write(1, 0, std::string(4096, 's'), 5).ok());
  ASSERT_TRUE(other.store->Write(1, 0, std::string(4096, 't'), 6).ok());
  CopysetStateMachine member("1.1", other.store.get());
  EXPECT_EQ(Stream(sm_, member, snapshot), 3);  // chunk 1, its copy, chunk 2 (1 MiB pieces)

  auto info = other.store->GetInfo(1);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->sequence, 2u);
  EXPECT_EQ(info->snapshot_sequence, 1u);
  EXPECT_EQ(SnapshotBlock(*other.store, 1, 1), std::string(4096, 'a'));
  EXPECT_EQ(SnapshotBlock(*other.store, 1, 1, kChunk - 4096), tail);
  EXPECT_EQ(SnapshotBlock(*other.store, 1, 1, 4096), std::string(4096, '\0'));
  EXPECT_EQ(*other.store->Read(1, 0, 4096), std::string(4096, 'b'));
  EXPECT_EQ(SnapshotBlock(*other.store, 2, 1), "absent");
  EXPECT_EQ(other.store->pool()->free_count(), 6u - 3);  // 2 chunks and 1 copy
  EXPECT_TRUE(member.Problems().empty());

  // The log after the snapshot replays onto the member as on the leader.
  const std::string drop = CopysetStateMachine::EncodeDeleteSnapshot(1, 1);
  sm_.Apply(5, drop);
  member.Apply(5, drop);
  EXPECT_EQ(other.store->GetInfo(1)->snapshot_sequence, 0u);
  EXPECT_EQ(other.store->pool()->free_count(), 6u - 2);
}

// A copy the snapshot lists but the disk lacks (dropped after it, before a crash): snapshot reads
// of that chunk answer DATA_LOSS until the replayed drop.
TEST_F(CopysetStateMachineTest, ListedCopyMissingAtLoadIsReportedUntilTheDropReplays) {
  sm_.Apply(1, CopysetStateMachine::EncodeWrite(3, 0, std::string(4096, 'a'), 1));
  sm_.Apply(2, CopysetStateMachine::EncodeWrite(3, 0, std::string(4096, 'b'), 2));
  auto snapshot = sm_.SaveSnapshot();
  ASSERT_TRUE(snapshot.ok());
  sm_.Apply(3, CopysetStateMachine::EncodeDeleteSnapshot(3, 1));
  CopysetStateMachine restarted("1.1", disk_.store.get());
  ASSERT_TRUE(restarted.LoadSnapshot({}, *snapshot).ok());
  Status lost = restarted.CheckSnapshotHealthy(3);
  EXPECT_EQ(lost.code(), StatusCode::kDataLoss) << lost;
  EXPECT_NE(lost.message().find("chunk_3.snap_1"), std::string::npos) << lost;
  EXPECT_TRUE(restarted.CheckHealthy(3).ok());
  EXPECT_EQ(restarted.Problems().size(), 1u);
  restarted.Apply(3, CopysetStateMachine::EncodeDeleteSnapshot(3, 1));
  EXPECT_TRUE(restarted.TakeResult(3).ok());
  EXPECT_TRUE(restarted.CheckSnapshotHealthy(3).ok());
  EXPECT_TRUE(restarted.Problems().empty());
}

}  // namespace
}  // namespace curve::chunkserver
