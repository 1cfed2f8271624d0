#pragma once

// FaultInjectionFileSystem: a FileSystem for tests that forwards to a base and injects faults.
// The base is by default an owned MemFileSystem (an in-memory disk that loses unsynced data,
// tears writes and reverts unsynced names on Restart(); see mem_file_system.h), or a given
// FileSystem such as PosixFileSystem over a temporary directory, when the test inspects real
// files. On either base:
//
//   - CrashAfter(n) cuts the power after n more mutating calls: from then on every call fails
//     with UNAVAILABLE until Restart(), so nothing the code under test does later is durable.
//   - FailOp() makes the n-th next call of an operation fail (INTERNAL, no effect) without
//     crashing; FailNext() makes the next calls of an operation on a matching path fail with a
//     chosen error ("the next write to chunk_7 fails with disk full").
//   - BlockSyncs() parks every File::Sync until UnblockSyncs(), to force writers to overlap
//     deterministically; SetSyncDelay() makes each Sync take a while, like a disk.
//
// Every call is counted per operation (failed ones included), so tests can assert how many syncs
// a workload needed. Exists is counted but never fails. The calls are serialised. Thread-safe.
// Handles opened before a Restart() fail every call afterwards with UNAVAILABLE.

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/fs/file_system.h"
#include "common/fs/testing/mem_file_system.h"

namespace curve::fs::testing {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  enum class Op : int {
    kOpen = 0,
    kWrite,
    kRead,
    kSync,
    kTruncate,
    kAllocate,
    kSize,
    kRename,
    kRenameNoReplace,
    kRemove,
    kList,
    kExists,
    kCreateDir,
    kSyncDir,
    kSpace,
  };
  static constexpr int kNumOps = 15;

  // Over an owned in-memory disk.
  FaultInjectionFileSystem();
  // Over `base`, which must outlive this file system and the files it opens. Restart, Contents,
  // SetContents and ListAll need the in-memory disk and abort here.
  explicit FaultInjectionFileSystem(FileSystem* base);
  FaultInjectionFileSystem(const FaultInjectionFileSystem&) = delete;
  FaultInjectionFileSystem& operator=(const FaultInjectionFileSystem&) = delete;

  // FileSystem.
  Result<std::unique_ptr<File>> Open(const std::string& path, const OpenOptions& options) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status RenameNoReplace(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Result<std::vector<std::string>> List(const std::string& dir) override;
  bool Exists(const std::string& path) override;
  Status CreateDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Result<SpaceInfo> Space(const std::string& path) override;

  // Calls of `op` so far, failed ones included.
  uint64_t Count(Op op) const;

  // The call of `op` after `skip` further calls of it fails with INTERNAL and has no effect.
  void FailOp(Op op, uint64_t skip = 0);

  // The next `count` calls of `op` on a path containing `path_part` fail with `error` and have no
  // effect. A rename's path is "<from> -> <to>".
  void FailNext(Op op, std::string path_part, Status error, int count = 1);

  // Power loss after `n` more mutating calls (Write, Sync, Truncate, Allocate, the renames,
  // Remove, SyncDir and an Open that creates): the next one fails without effect, and so does
  // every later call.
  void CrashAfter(uint64_t n);
  bool crashed() const;
  // Cancels pending FailOp, FailNext and CrashAfter requests (not a crash that already happened).
  void ClearFaults();

  // Powers the machine back on (see MemFileSystem::Restart), clearing every fault. Also valid
  // without a crash (a clean power cut at this instant).
  void Restart(uint64_t seed);
  // Like Restart but exactly the synced data and names survive.
  void RestartDroppingUnsynced();

  // Direct access to the in-memory disk for corruption tests, bypassing counting and faults.
  Result<std::string> Contents(const std::string& path) const;
  Status SetContents(const std::string& path, std::string data);
  std::vector<std::string> ListAll() const;  // every live file path

  void BlockSyncs();
  void UnblockSyncs();
  // Waits until `n` Syncs are parked by BlockSyncs().
  void WaitForBlockedSyncs(int n);
  void SetSyncDelay(std::chrono::microseconds delay);

 private:
  class FaultFile;
  struct Rule {
    Op op;
    std::string path_part;
    Status error;
    int remaining;
  };

  // Counts the call and decides whether it fails; `mutating` consumes the crash budget.
  Status Enter(Op op, bool mutating, const std::string& path);
  Status CheckHandle(uint64_t generation, const std::string& path) const;
  MemFileSystem& Mem() const;
  void RestartLocked(std::optional<uint64_t> seed);

  const std::unique_ptr<MemFileSystem> mem_;  // null over a given base
  FileSystem* const base_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::array<uint64_t, kNumOps> counts_{};                   // guarded by mu_
  std::array<std::optional<uint64_t>, kNumOps> fail_after_;  // guarded by mu_
  std::vector<Rule> rules_;                                  // guarded by mu_
  std::optional<uint64_t> crash_budget_;                     // guarded by mu_
  bool crashed_ = false;                                     // guarded by mu_
  uint64_t generation_ = 0;                                  // guarded by mu_
  bool block_syncs_ = false;                                 // guarded by mu_
  int blocked_syncs_ = 0;                                    // guarded by mu_
  std::chrono::microseconds sync_delay_{0};                  // guarded by mu_
};

}  // namespace curve::fs::testing
