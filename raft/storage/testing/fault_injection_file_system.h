#pragma once

// FaultInjectionFileSystem: an in-memory FileSystem for tests that models what a power loss does
// to a real disk (after LevelDB's fault-injection Env, written for this FileSystem seam):
//
//   - Each file keeps its durable image (as of its last Sync) and the Writes/Truncates made
//     since. Restart() rebuilds every file from its durable image plus a random prefix of those
//     unsynced operations, the last one torn at a random byte and sometimes followed by garbage.
//   - Names created, renamed or removed since the last SyncDir of their directory revert.
//   - CrashAfter(n) cuts the power after n more mutating calls: from then on every call fails
//     with Unavailable until Restart(), so nothing the code under test does later is durable.
//   - FailOp() makes one chosen call fail (Internal, no effect) without crashing.
//   - BlockSyncs() parks every File::Sync until UnblockSyncs(), to force writers to overlap
//     deterministically; SetSyncDelay() makes each Sync take a while, like a disk.
//
// Every call is counted per operation, so tests can assert how many syncs a workload needed.
// Thread-safe. Handles opened before a Restart() fail every call afterwards.

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "raft/storage/file_system.h"

namespace curve::raft::testing {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  enum class Op : int {
    kOpen = 0,
    kWrite,
    kRead,
    kSync,
    kTruncate,
    kSize,
    kRename,
    kRemove,
    kList,
    kCreateDir,
    kSyncDir,
  };
  static constexpr int kNumOps = 11;

  FaultInjectionFileSystem() = default;
  FaultInjectionFileSystem(const FaultInjectionFileSystem&) = delete;
  FaultInjectionFileSystem& operator=(const FaultInjectionFileSystem&) = delete;

  // FileSystem.
  Result<std::unique_ptr<File>> Open(const std::string& path, bool create) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Result<std::vector<std::string>> List(const std::string& dir) override;
  Status CreateDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;

  // Calls of `op` so far, failed ones included.
  uint64_t Count(Op op) const;

  // The call of `op` after `skip` further calls of it fails with Internal and has no effect.
  void FailOp(Op op, uint64_t skip = 0);

  // Power loss after `n` more mutating calls (Write, Sync, Truncate, Rename, Remove, SyncDir and
  // an Open that creates): the next one fails without effect, and so does every later call.
  void CrashAfter(uint64_t n);
  bool crashed() const;
  // Cancels pending FailOp and CrashAfter requests (not a crash that already happened).
  void ClearFaults();

  // Powers the machine back on: files and names revert as described above, chosen by `seed`.
  // Also valid without a crash (a clean power cut at this instant).
  void Restart(uint64_t seed);
  // Like Restart but exactly the synced data and names survive.
  void RestartDroppingUnsynced();

  // Direct access for corruption tests, bypassing counting and faults. SetContents makes the
  // new contents durable at once.
  Result<std::string> Contents(const std::string& path) const;
  Status SetContents(const std::string& path, std::string data);
  std::vector<std::string> ListAll() const;  // every live path

  void BlockSyncs();
  void UnblockSyncs();
  // Waits until `n` Syncs are parked by BlockSyncs().
  void WaitForBlockedSyncs(int n);
  void SetSyncDelay(std::chrono::microseconds delay);

 private:
  class FaultFile;
  struct Pending {
    bool truncate = false;
    uint64_t offset = 0;  // write offset, or the size to truncate to
    std::string data;
  };
  struct Node {
    std::string data;    // what the running process sees
    std::string synced;  // what survives a power loss for sure
    std::vector<Pending> pending;
  };

  // Counts the call and decides whether it fails; `mutating` consumes the crash budget.
  Status Enter(Op op, bool mutating, const std::string& path);
  Status CheckHandle(uint64_t generation, const std::string& path) const;
  void RestartLocked(std::optional<uint64_t> seed);

  static std::string Parent(const std::string& path);
  static void ApplyPending(const Pending& p, std::string* image);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Node>> live_;
  std::map<std::string, std::shared_ptr<Node>> durable_;
  std::set<std::string> dirs_{""};
  std::array<uint64_t, kNumOps> counts_{};
  std::array<std::optional<uint64_t>, kNumOps> fail_after_{};
  std::optional<uint64_t> crash_budget_;
  bool crashed_ = false;
  uint64_t generation_ = 0;
  bool block_syncs_ = false;
  int blocked_syncs_ = 0;
  std::chrono::microseconds sync_delay_{0};
};

}  // namespace curve::raft::testing
