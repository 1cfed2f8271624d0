// ChunkStore's copy-on-write snapshots: preserved copies made by sequence raises, snapshot reads,
// snapshot deletion, restart recovery and the pool files copies take and give back.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/fs/posix_file_system.h"
#include "common/fs/testing/fault_injection_file_system.h"
#include "common/testing/subprocess.h"
#include "services/chunkserver/datastore/chunk_store.h"

namespace curve::chunkserver {
namespace {

using FaultFs = fs::testing::FaultInjectionFileSystem;

constexpr uint64_t kChunk = 1 << 20;
constexpr size_t kBlock = 4096;
constexpr uint64_t kPoolFiles = 6;

std::string Fill(char c, size_t n = kBlock) { return std::string(n, c); }

class ChunkStoreCowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FormatOptions format;
    format.chunk_size = kChunk;
    format.chunk_count = kPoolFiles;
    ASSERT_TRUE(FilePool::Format(dir_.path(), format, fs_).ok());
    options_.data_dir = dir_.path();
  }

  std::unique_ptr<ChunkStore> OpenStore(fs::FileSystem* fs = nullptr) {
    auto store = ChunkStore::Open(options_, fs ? fs : fs_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // The snapshot read of one block at `offset`: the data, "absent" when the chunk did not exist
  // in that snapshot, or the error.
  static std::string SnapshotBlock(ChunkStore& store, ChunkId id, uint64_t sequence,
                                   uint64_t offset = 0) {
    std::string out(kBlock, '?');
    auto exists = store.ReadSnapshotInto(id, sequence, offset, kBlock, out.data());
    if (!exists.ok()) return exists.status().ToString();
    return *exists ? out : "absent";
  }

  std::string ChunksDir() const { return fs::JoinPath(dir_.path(), "chunks"); }

  ::curve::testing::TempDir dir_;
  fs::PosixFileSystem* fs_ = fs::PosixFileSystem::Default();
  ChunkStoreOptions options_;
};

TEST_F(ChunkStoreCowTest, RaisingTheSequencePreservesTheOldData) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Write(1, 0, Fill('a'), 1).ok());
  ASSERT_TRUE(store->Write(1, kChunk - kBlock, Fill('z'), 1).ok());
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 1);
  ASSERT_TRUE(store->Write(1, 0, Fill('b'), 2).ok());
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 2);  // the copy took a pool file

  EXPECT_EQ(*store->Read(1, 0, kBlock), Fill('b'));
  EXPECT_EQ(SnapshotBlock(*store, 1, 1), Fill('a'));
  // The whole chunk was copied, not only the block being overwritten.
  EXPECT_EQ(SnapshotBlock(*store, 1, 1, kChunk - kBlock), Fill('z'));
  EXPECT_EQ(SnapshotBlock(*store, 1, 1, kBlock), Fill('\0'));
  auto info = store->GetInfo(1);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->sequence, 2u);
  EXPECT_EQ(info->snapshot_sequence, 1u);
  EXPECT_TRUE(fs_->Exists(store->PreservedPath(1, 1)));
  std::string raw(kBlock, '?');
  auto at = store->ReadPreservedInto(1, 0, kBlock, raw.data());
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, 1u);
  EXPECT_EQ(raw, Fill('a'));
  // Writes at the new sequence change the chunk only.
  ASSERT_TRUE(store->Write(1, kChunk - kBlock, Fill('y'), 2).ok());
  EXPECT_EQ(SnapshotBlock(*store, 1, 1, kChunk - kBlock), Fill('z'));
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 2);
  // Older writes are refused and change nothing.
  EXPECT_EQ(store->Write(1, 0, Fill('x'), 1).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store->Read(1, 0, kBlock), Fill('b'));
}

TEST_F(ChunkStoreCowTest, SecondRaiseKeepsTheFirstCopy) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Write(1, 0, Fill('a'), 1).ok());
  ASSERT_TRUE(store->Write(1, 0, Fill('b'), 2).ok());
  ASSERT_TRUE(store->Write(1, 0, Fill('c'), 3).ok());
  auto info = store->GetInfo(1);
  EXPECT_EQ(info->sequence, 3u);
  EXPECT_EQ(info->snapshot_sequence, 1u);
  EXPECT_EQ(SnapshotBlock(*store, 1, 1), Fill('a'));
  EXPECT_EQ(*store->Read(1, 0, kBlock), Fill('c'));
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 2);
  EXPECT_FALSE(fs_->Exists(store->PreservedPath(1, 2)));
}

TEST_F(ChunkStoreCowTest, SnapshotReadRules) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Write(1, 0, Fill('a'), 1).ok());
  ASSERT_TRUE(store->Write(1, 0, Fill('b'), 2).ok());
  ASSERT_TRUE(store->Write(2, 0, Fill('n'), 3).ok());  // created after snapshots 1 and 2
  ASSERT_TRUE(store->Write(3, 0, Fill('u'), 2).ok());  // created at 2, never raised
  struct Case {
    ChunkId id;
    uint64_t sequence;
    std::string want;
  };
  const Case cases[] = {
      {1, 1, Fill('a')},  // its copy: the chunk changed after snapshot 1
      {1, 2, Fill('b')},  // the chunk itself: unchanged since snapshot 2
      {1, 9, Fill('b')},  //
      {2, 2, "absent"},   // did not exist in snapshot 2: no copy, its sequence is above
      {2, 3, Fill('n')},  //
      {3, 1, "absent"},   //
      {3, 2, Fill('u')},  //
  };
  for (const auto& c : cases) {
    EXPECT_EQ(SnapshotBlock(*store, c.id, c.sequence), c.want) << c.id << "@" << c.sequence;
  }
  std::string out(kBlock, '?');
  EXPECT_EQ(store->ReadSnapshotInto(42, 1, 0, kBlock, out.data()).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store->ReadSnapshotInto(1, 1, 100, kBlock, out.data()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ReadPreservedInto(3, 0, kBlock, out.data()).status().code(),
            StatusCode::kNotFound);
}

TEST_F(ChunkStoreCowTest, SequenceZeroNeverPreserves) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Write(1, 0, Fill('a'), 0).ok());
  ASSERT_TRUE(store->Write(1, 0, Fill('b'), 0).ok());
  ASSERT_TRUE(store->Write(1, 0, Fill('c'), 1).ok());  // no snapshot precedes sequence 1
  EXPECT_EQ(store->GetInfo(1)->snapshot_sequence, 0u);
  ASSERT_TRUE(store->Write(1, 0, Fill('d'), 0).ok());  // an old client: no raise, no copy
  EXPECT_EQ(store->GetInfo(1)->sequence, 1u);
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 1);
  // A chunk only old clients wrote belongs to every snapshot before the first raise.
  ASSERT_TRUE(store->Write(2, 0, Fill('e'), 0).ok());
  EXPECT_TRUE(store->WouldTakePoolFile(2, 3));
  ASSERT_TRUE(store->Write(2, 0, Fill('f'), 3).ok());
  EXPECT_EQ(store->GetInfo(2)->snapshot_sequence, 2u);
  EXPECT_EQ(SnapshotBlock(*store, 2, 2), Fill('e'));
  EXPECT_EQ(SnapshotBlock(*store, 2, 1), Fill('e'));
}

TEST_F(ChunkStoreCowTest, DeleteSnapshotDropsTheCopyOrRaisesTheSequence) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Write(1, 0, Fill('a'), 1).ok());
    ASSERT_TRUE(store->Write(1, 0, Fill('b'), 2).ok());
    ASSERT_EQ(store->pool()->free_count(), kPoolFiles - 2);
    ASSERT_TRUE(store->DeleteSnapshot(1, 1).ok());
    EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 1);  // the copy's file is back
    EXPECT_EQ(store->pool()->dirty_count(), 1u);
    EXPECT_FALSE(fs_->Exists(store->PreservedPath(1, 1)));
    auto info = store->GetInfo(1);
    EXPECT_EQ(info->snapshot_sequence, 0u);
    EXPECT_EQ(info->sequence, 2u);  // a chunk above the snapshot keeps its sequence
    EXPECT_EQ(SnapshotBlock(*store, 1, 1), "absent");
    EXPECT_EQ(*store->Read(1, 0, kBlock), Fill('b'));

    // No copy and not above the snapshot: raised past it, so the next write preserves nothing.
    ASSERT_TRUE(store->DeleteSnapshot(1, 2).ok());
    EXPECT_EQ(store->GetInfo(1)->sequence, 3u);
    EXPECT_FALSE(store->WouldTakePoolFile(1, 3));
    ASSERT_TRUE(store->Write(1, 0, Fill('c'), 3).ok());
    EXPECT_EQ(store->GetInfo(1)->snapshot_sequence, 0u);
    EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 1);
    // Older snapshots than the chunk change nothing; replays are harmless.
    ASSERT_TRUE(store->DeleteSnapshot(1, 1).ok());
    ASSERT_TRUE(store->DeleteSnapshot(1, 2).ok());
    EXPECT_EQ(store->GetInfo(1)->sequence, 3u);
    EXPECT_EQ(store->DeleteSnapshot(42, 1).code(), StatusCode::kNotFound);
  }
  auto store = OpenStore();
  EXPECT_EQ(store->GetInfo(1)->sequence, 3u);  // the raise is in the header
  EXPECT_EQ(store->GetInfo(1)->snapshot_sequence, 0u);
}

// A late end of an older snapshot (a deposed leader's worker still looping over the chunks) must
// not drop the copy a later snapshot reads.
TEST_F(ChunkStoreCowTest, LateEndOfAnOlderSnapshotKeepsTheLaterSnapshotsCopy) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Write(1, 0, Fill('a'), 1).ok());
  ASSERT_TRUE(store->DeleteSnapshot(1, 1).ok());       // snapshot 1 ended: chunk raised to 2
  ASSERT_TRUE(store->Write(1, 0, Fill('b'), 3).ok());  // snapshot 2 lives: copy of 'a'
  ASSERT_EQ(store->GetInfo(1)->snapshot_sequence, 2u);
  ASSERT_TRUE(store->DeleteSnapshot(1, 1).ok());  // snapshot 1's end, replayed late
  EXPECT_EQ(store->GetInfo(1)->snapshot_sequence, 2u);
  EXPECT_EQ(SnapshotBlock(*store, 1, 2), Fill('a'));
  EXPECT_EQ(store->GetInfo(1)->sequence, 3u);
  ASSERT_TRUE(store->DeleteSnapshot(1, 2).ok());  // snapshot 2's own end drops it
  EXPECT_EQ(store->GetInfo(1)->snapshot_sequence, 0u);
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 1);
}

TEST_F(ChunkStoreCowTest, PreservedCopiesSurviveRestart) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Write(1, 0, Fill('a'), 1).ok());
    ASSERT_TRUE(store->Write(2, kBlock, Fill('p'), 4).ok());
    ASSERT_TRUE(store->Write(1, 0, Fill('b'), 2).ok());
    ASSERT_TRUE(store->Write(2, kBlock, Fill('q'), 5).ok());
  }
  auto store = OpenStore();
  EXPECT_TRUE(store->Problems().empty());
  auto chunks = store->ListChunks();
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].snapshot_sequence, 1u);
  EXPECT_EQ(chunks[1].snapshot_sequence, 4u);
  EXPECT_EQ(chunks[1].sequence, 5u);
  EXPECT_EQ(SnapshotBlock(*store, 1, 1), Fill('a'));
  EXPECT_EQ(SnapshotBlock(*store, 2, 4, kBlock), Fill('p'));
  EXPECT_EQ(*store->Read(2, kBlock, kBlock), Fill('q'));
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 4);
  EXPECT_EQ(store->ChunkSpace().used_bytes, 4 * kChunk);
  EXPECT_EQ(store->ChunkSpace().capacity_bytes, kPoolFiles * kChunk);
  // A recovered copy is dropped like any other.
  ASSERT_TRUE(store->DeleteSnapshot(2, 4).ok());
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 3);
  EXPECT_EQ(store->ChunkSpace().used_bytes, 3 * kChunk);
}

TEST_F(ChunkStoreCowTest, CrashWhilePreservingLeavesNoCopyAndTheChunkUnchanged) {
  FaultFs faulty(fs_);
  {
    auto store = OpenStore(&faulty);
    ASSERT_TRUE(store->Write(5, 0, Fill('a'), 1).ok());
    // The rename naming the copy fails, and so does the best-effort return to the pool: the
    // state a crash between the two leaves behind.
    faulty.FailNext(FaultFs::Op::kRenameNoReplace, "chunk_5.snap_1.taking -> ",
                    InternalError("injected crash"), 2);
    EXPECT_FALSE(store->Write(5, 0, Fill('b'), 2).ok());
    EXPECT_EQ(store->GetInfo(5)->sequence, 1u);
    EXPECT_EQ(*store->Read(5, 0, kBlock), Fill('a'));
  }
  ASSERT_TRUE(fs_->Exists(fs::JoinPath(ChunksDir(), "chunk_5.snap_1.taking")));
  auto store = OpenStore();
  EXPECT_FALSE(fs_->Exists(fs::JoinPath(ChunksDir(), "chunk_5.snap_1.taking")));
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 1);
  EXPECT_EQ(store->GetInfo(5)->snapshot_sequence, 0u);
  // The replayed write preserves again.
  ASSERT_TRUE(store->Write(5, 0, Fill('b'), 2).ok());
  EXPECT_EQ(SnapshotBlock(*store, 5, 1), Fill('a'));
}

TEST_F(ChunkStoreCowTest, ExhaustedPoolRefusesTheRaiseAndChangesNothing) {
  auto store = OpenStore();
  for (ChunkId id = 1; id <= kPoolFiles; ++id) ASSERT_TRUE(store->Write(id, 0, Fill('a'), 1).ok());
  EXPECT_TRUE(store->WouldTakePoolFile(1, 2));
  EXPECT_FALSE(store->WouldTakePoolFile(1, 1));
  Status s = store->Write(1, 0, Fill('b'), 2);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s;
  EXPECT_EQ(store->GetInfo(1)->sequence, 1u);
  EXPECT_EQ(store->GetInfo(1)->snapshot_sequence, 0u);
  EXPECT_EQ(*store->Read(1, 0, kBlock), Fill('a'));
  EXPECT_EQ(store->pool()->free_count(), 0u);
}

TEST_F(ChunkStoreCowTest, DeleteChunkReturnsItsCopyToThePool) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Write(1, 0, Fill('a'), 1).ok());
  ASSERT_TRUE(store->Write(1, 0, Fill('b'), 2).ok());
  ASSERT_EQ(store->pool()->free_count(), kPoolFiles - 2);
  ASSERT_TRUE(store->Delete(1).ok());
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles);
  EXPECT_EQ(store->pool()->dirty_count(), 2u);
  EXPECT_FALSE(fs_->Exists(store->PreservedPath(1, 1)));
  EXPECT_FALSE(fs_->Exists(store->ChunkPath(1)));
  EXPECT_EQ(store->ChunkSpace().used_bytes, 0u);
  // Created again, the chunk has no copy of its past.
  ASSERT_TRUE(store->Write(1, kBlock, Fill('c'), 3).ok());
  EXPECT_EQ(store->GetInfo(1)->snapshot_sequence, 0u);
  EXPECT_EQ(SnapshotBlock(*store, 1, 1), "absent");
}

TEST_F(ChunkStoreCowTest, CorruptOrOrphanCopiesAtOpen) {
  std::string copy_of_1;
  std::string chunk_2;
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Write(1, 0, Fill('a'), 1).ok());
    ASSERT_TRUE(store->Write(1, 0, Fill('b'), 2).ok());
    ASSERT_TRUE(store->Write(2, 0, Fill('c'), 1).ok());
    ASSERT_TRUE(store->Write(2, 0, Fill('d'), 2).ok());
    copy_of_1 = store->PreservedPath(1, 1);
    chunk_2 = store->ChunkPath(2);
  }
  {
    std::fstream file(copy_of_1, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(20);
    file.put('\x7f');
  }
  ASSERT_TRUE(fs_->Remove(chunk_2).ok());  // chunk 2's copy is left alone
  auto store = OpenStore();
  auto problems = store->Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].code(), StatusCode::kDataLoss);
  EXPECT_NE(problems[0].message().find(copy_of_1), std::string::npos) << problems[0];
  // Reads needing the corrupt copy answer DATA_LOSS; the chunk itself is fine.
  EXPECT_NE(SnapshotBlock(*store, 1, 1).find("DATA_LOSS"), std::string::npos)
      << SnapshotBlock(*store, 1, 1);
  EXPECT_EQ(SnapshotBlock(*store, 1, 2), Fill('b'));
  EXPECT_EQ(*store->Read(1, 0, kBlock), Fill('b'));
  EXPECT_EQ(store->GetInfo(1)->snapshot_sequence, 1u);
  // The orphan copy went back to the pool (5 of 6 files: chunk 2's was removed by hand).
  EXPECT_FALSE(fs_->Exists(store->PreservedPath(2, 1)));
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 3);
  // Dropping the corrupt copy returns its file too.
  ASSERT_TRUE(store->DeleteSnapshot(1, 1).ok());
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 2);
  EXPECT_EQ(SnapshotBlock(*store, 1, 1), "absent");
}

TEST_F(ChunkStoreCowTest, InstalledCopyIsReadAsTheSnapshot) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Write(1, 0, Fill('n'), 3).ok());
  EXPECT_EQ(store->WritePreserved(7, 2, 0, Fill('o')).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->WritePreserved(1, 0, 0, Fill('o')).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store->WritePreserved(1, 2, kBlock, Fill('o')).ok());
  ASSERT_TRUE(store->WritePreserved(1, 2, 2 * kBlock, Fill('p')).ok());
  EXPECT_EQ(SnapshotBlock(*store, 1, 2, kBlock), Fill('o'));
  EXPECT_EQ(SnapshotBlock(*store, 1, 2, 2 * kBlock), Fill('p'));
  EXPECT_EQ(SnapshotBlock(*store, 1, 2, 0), Fill('\0'));
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 2);
  // A copy at another sequence replaces it (one copy per chunk).
  ASSERT_TRUE(store->WritePreserved(1, 1, 0, Fill('q')).ok());
  EXPECT_EQ(store->GetInfo(1)->snapshot_sequence, 1u);
  EXPECT_EQ(SnapshotBlock(*store, 1, 1, kBlock), Fill('\0'));
  EXPECT_EQ(store->pool()->free_count(), kPoolFiles - 2);
  ASSERT_TRUE(store->Sync(1).ok());
}

}  // namespace
}  // namespace curve::chunkserver
