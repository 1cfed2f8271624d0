#pragma once

// MemFileSystem: an in-memory FileSystem for tests that models what a power loss does to a real
// disk (after LevelDB's fault-injection Env), following the durability model of file_system.h:
//
//   - Each file keeps its durable image (as of its last Sync) and the Writes, Truncates and
//     Allocates made since. Restart() rebuilds every file from its durable image plus a random
//     prefix of those unsynced operations, the last write torn at a random byte and sometimes
//     followed by garbage.
//   - Names created, renamed or removed since the last SyncDir of their directory revert.
//   - Directories exist at once and for good; "" is the root.
//
// OpenOptions::direct_io is accepted without alignment checks; `dsync` makes each Write durable.
// Space reports a fixed 1 TiB disk less what the files hold. Usually used through
// FaultInjectionFileSystem, which adds counting, crashes and injected failures. Thread-safe.
// Handles opened before a Restart() fail every call afterwards with UNAVAILABLE.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/fs/file_system.h"

namespace curve::fs::testing {

class MemFileSystem final : public FileSystem {
 public:
  static constexpr uint64_t kTotalBytes = uint64_t{1} << 40;

  MemFileSystem() = default;
  MemFileSystem(const MemFileSystem&) = delete;
  MemFileSystem& operator=(const MemFileSystem&) = delete;

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

  // Powers the machine back on after a power loss at this instant: files and names revert as
  // described above, chosen by `seed`; with no seed exactly the synced data and names survive.
  void Restart(std::optional<uint64_t> seed);

  // Direct access for corruption tests. SetContents makes the new contents durable at once.
  Result<std::string> Contents(const std::string& path) const;
  Status SetContents(const std::string& path, std::string data);
  std::vector<std::string> ListAll() const;  // every live file path

 private:
  class MemFile;
  struct Pending {
    bool truncate = false;  // set the size to `offset` (never shrinks when `grow_only`)
    bool grow_only = false;
    uint64_t offset = 0;  // write offset, or the size to truncate to
    std::string data;
  };
  struct Node {
    std::string data;    // what the running process sees
    std::string synced;  // what survives a power loss for sure
    std::vector<Pending> pending;
  };

  Status CheckHandle(uint64_t generation, const std::string& path) const;
  Status RenameLocked(const std::string& from, const std::string& to);

  static std::string Parent(const std::string& path);
  static void ApplyPending(const Pending& p, std::string* image);

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Node>> live_;     // guarded by mu_
  std::map<std::string, std::shared_ptr<Node>> durable_;  // guarded by mu_
  std::set<std::string> dirs_{""};                        // guarded by mu_
  uint64_t generation_ = 0;                               // guarded by mu_
};

}  // namespace curve::fs::testing
