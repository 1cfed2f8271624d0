#include "common/fs/testing/fault_injection_file_system.h"

#include <cstdio>
#include <cstdlib>
#include <thread>

namespace curve::fs::testing {

using Op = FaultInjectionFileSystem::Op;

class FaultInjectionFileSystem::FaultFile final : public File {
 public:
  FaultFile(FaultInjectionFileSystem* fs, std::unique_ptr<File> base, uint64_t generation)
      : fs_(fs), base_(std::move(base)), generation_(generation) {}

  Status Write(uint64_t offset, std::string_view data) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(Enter(Op::kWrite, true));
    return base_->Write(offset, data);
  }

  Result<size_t> Read(uint64_t offset, size_t n, char* buf) const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(Enter(Op::kRead, false));
    return base_->Read(offset, n, buf);
  }

  Status Sync() override {
    std::chrono::microseconds delay;
    {
      std::unique_lock<std::mutex> lock(fs_->mu_);
      CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path()));
      if (fs_->block_syncs_) {
        ++fs_->blocked_syncs_;
        fs_->cv_.notify_all();
        fs_->cv_.wait(lock, [&] { return !fs_->block_syncs_; });
        --fs_->blocked_syncs_;
      }
      delay = fs_->sync_delay_;
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);  // emulated disk latency
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(Enter(Op::kSync, true));
    return base_->Sync();
  }

  Status Truncate(uint64_t size) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(Enter(Op::kTruncate, true));
    return base_->Truncate(size);
  }

  Status Allocate(uint64_t size) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(Enter(Op::kAllocate, true));
    return base_->Allocate(size);
  }

  Result<uint64_t> Size() const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(Enter(Op::kSize, false));
    return base_->Size();
  }

  const std::string& path() const override { return base_->path(); }

 private:
  // Under fs_->mu_.
  Status Enter(Op op, bool mutating) const {
    CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path()));
    return fs_->Enter(op, mutating, path());
  }

  FaultInjectionFileSystem* fs_;
  std::unique_ptr<File> base_;
  uint64_t generation_;
};

FaultInjectionFileSystem::FaultInjectionFileSystem()
    : mem_(std::make_unique<MemFileSystem>()), base_(mem_.get()) {}

FaultInjectionFileSystem::FaultInjectionFileSystem(FileSystem* base) : base_(base) {}

MemFileSystem& FaultInjectionFileSystem::Mem() const {
  if (mem_ == nullptr) {
    std::fprintf(stderr, "FaultInjectionFileSystem: the in-memory disk is needed, not a base\n");
    std::abort();
  }
  return *mem_;
}

Status FaultInjectionFileSystem::CheckHandle(uint64_t generation, const std::string& path) const {
  if (generation != generation_) {
    return UnavailableError("stale handle of " + path + " opened before a restart");
  }
  return Status::Ok();
}

Status FaultInjectionFileSystem::Enter(Op op, bool mutating, const std::string& path) {
  auto i = static_cast<int>(op);
  ++counts_[i];
  if (crashed_) return UnavailableError("simulated power loss; call on " + path);
  if (mutating && crash_budget_) {
    if (*crash_budget_ == 0) {
      crashed_ = true;
      crash_budget_.reset();
      return UnavailableError("simulated power loss; call on " + path);
    }
    --*crash_budget_;
  }
  if (fail_after_[i]) {
    if (*fail_after_[i] == 0) {
      fail_after_[i].reset();
      return InternalError("injected fault on " + path);
    }
    --*fail_after_[i];
  }
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (it->op != op || path.find(it->path_part) == std::string::npos) continue;
    Status error = it->error;
    if (--it->remaining <= 0) rules_.erase(it);
    return error;
  }
  return Status::Ok();
}

Result<std::unique_ptr<File>> FaultInjectionFileSystem::Open(const std::string& path,
                                                             const OpenOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  bool creating = options.create && !base_->Exists(path);
  CURVE_RETURN_IF_ERROR(Enter(Op::kOpen, creating, path));
  CURVE_ASSIGN_OR_RETURN(std::unique_ptr<File> file, base_->Open(path, options));
  return std::unique_ptr<File>(new FaultFile(this, std::move(file), generation_));
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kRename, true, from + " -> " + to));
  return base_->Rename(from, to);
}

Status FaultInjectionFileSystem::RenameNoReplace(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kRenameNoReplace, true, from + " -> " + to));
  return base_->RenameNoReplace(from, to);
}

Status FaultInjectionFileSystem::Remove(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kRemove, true, path));
  return base_->Remove(path);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::List(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kList, false, dir));
  return base_->List(dir);
}

bool FaultInjectionFileSystem::Exists(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[static_cast<int>(Op::kExists)];
  return base_->Exists(path);
}

Status FaultInjectionFileSystem::CreateDir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kCreateDir, false, dir));
  return base_->CreateDir(dir);
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kSyncDir, true, dir));
  return base_->SyncDir(dir);
}

Result<SpaceInfo> FaultInjectionFileSystem::Space(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kSpace, false, path));
  return base_->Space(path);
}

uint64_t FaultInjectionFileSystem::Count(Op op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_[static_cast<int>(op)];
}

void FaultInjectionFileSystem::FailOp(Op op, uint64_t skip) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_after_[static_cast<int>(op)] = skip;
}

void FaultInjectionFileSystem::FailNext(Op op, std::string path_part, Status error, int count) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back(Rule{op, std::move(path_part), std::move(error), count});
}

void FaultInjectionFileSystem::CrashAfter(uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  crash_budget_ = n;
}

bool FaultInjectionFileSystem::crashed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return crashed_;
}

void FaultInjectionFileSystem::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  crash_budget_.reset();
  fail_after_ = {};
  rules_.clear();
}

void FaultInjectionFileSystem::Restart(uint64_t seed) { RestartLocked(seed); }

void FaultInjectionFileSystem::RestartDroppingUnsynced() { RestartLocked(std::nullopt); }

void FaultInjectionFileSystem::RestartLocked(std::optional<uint64_t> seed) {
  std::lock_guard<std::mutex> lock(mu_);
  Mem().Restart(seed);
  crashed_ = false;
  crash_budget_.reset();
  fail_after_ = {};
  rules_.clear();
  ++generation_;
}

Result<std::string> FaultInjectionFileSystem::Contents(const std::string& path) const {
  return Mem().Contents(path);
}

Status FaultInjectionFileSystem::SetContents(const std::string& path, std::string data) {
  return Mem().SetContents(path, std::move(data));
}

std::vector<std::string> FaultInjectionFileSystem::ListAll() const { return Mem().ListAll(); }

void FaultInjectionFileSystem::BlockSyncs() {
  std::lock_guard<std::mutex> lock(mu_);
  block_syncs_ = true;
}

void FaultInjectionFileSystem::UnblockSyncs() {
  std::lock_guard<std::mutex> lock(mu_);
  block_syncs_ = false;
  cv_.notify_all();
}

void FaultInjectionFileSystem::WaitForBlockedSyncs(int n) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return blocked_syncs_ >= n; });
}

void FaultInjectionFileSystem::SetSyncDelay(std::chrono::microseconds delay) {
  std::lock_guard<std::mutex> lock(mu_);
  sync_delay_ = delay;
}

}  // namespace curve::fs::testing
