#pragma once

// A FileSystem for tests that forwards to another one and fails chosen calls: "the next write to
// a path containing 'chunk_7' fails with disk full", "the rename that completes a chunk fails"
// (a crash between two steps). Thread-safe.

#include <mutex>
#include <string>
#include <vector>

#include "services/chunkserver/datastore/file_system.h"

namespace curve::chunkserver::testing {

class FaultInjectionFileSystem : public FileSystem {
 public:
  enum class Op { kOpen, kWrite, kRead, kSync, kAllocate, kRename, kReplace, kRemove, kSyncDir };

  // `base` must outlive this file system and the files it opens.
  explicit FaultInjectionFileSystem(FileSystem* base) : base_(base) {}

  // The next `count` calls of `op` on a path containing `path_part` fail with `error`.
  void FailNext(Op op, std::string path_part, Status error, int count = 1);
  void Clear();
  // Returns the injected error for this call, or OK (and counts the rule down).
  Status Check(Op op, const std::string& path);

  Result<std::unique_ptr<File>> Open(const std::string& path, const OpenOptions& options) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Replace(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Result<std::vector<std::string>> List(const std::string& dir) override;
  bool Exists(const std::string& path) override;
  Status CreateDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Result<SpaceInfo> Space(const std::string& path) override;

 private:
  struct Rule {
    Op op;
    std::string path_part;
    Status error;
    int remaining;
  };

  FileSystem* const base_;
  std::mutex mu_;
  std::vector<Rule> rules_;  // guarded by mu_
};

}  // namespace curve::chunkserver::testing
