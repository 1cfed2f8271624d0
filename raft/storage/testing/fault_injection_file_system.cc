#include "raft/storage/testing/fault_injection_file_system.h"

#include <random>
#include <thread>

namespace curve::raft::testing {

using Op = FaultInjectionFileSystem::Op;

class FaultInjectionFileSystem::FaultFile final : public File {
 public:
  FaultFile(FaultInjectionFileSystem* fs, std::shared_ptr<Node> node, std::string path,
            uint64_t generation)
      : fs_(fs), node_(std::move(node)), path_(std::move(path)), generation_(generation) {}

  Status Write(uint64_t offset, std::string_view data) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path_));
    CURVE_RETURN_IF_ERROR(fs_->Enter(Op::kWrite, true, path_));
    Pending p{false, offset, std::string(data)};
    ApplyPending(p, &node_->data);
    node_->pending.push_back(std::move(p));
    return Status::Ok();
  }

  Status Read(uint64_t offset, size_t n, std::string* out) const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path_));
    CURVE_RETURN_IF_ERROR(fs_->Enter(Op::kRead, false, path_));
    out->clear();
    if (offset < node_->data.size()) *out = node_->data.substr(offset, n);
    return Status::Ok();
  }

  Status Sync() override {
    std::chrono::microseconds delay;
    {
      std::unique_lock<std::mutex> lock(fs_->mu_);
      CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path_));
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
    CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path_));
    CURVE_RETURN_IF_ERROR(fs_->Enter(Op::kSync, true, path_));
    node_->synced = node_->data;
    node_->pending.clear();
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path_));
    CURVE_RETURN_IF_ERROR(fs_->Enter(Op::kTruncate, true, path_));
    Pending p{true, size, ""};
    ApplyPending(p, &node_->data);
    node_->pending.push_back(std::move(p));
    return Status::Ok();
  }

  Result<uint64_t> Size() const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path_));
    CURVE_RETURN_IF_ERROR(fs_->Enter(Op::kSize, false, path_));
    return static_cast<uint64_t>(node_->data.size());
  }

 private:
  FaultInjectionFileSystem* fs_;
  std::shared_ptr<Node> node_;
  std::string path_;
  uint64_t generation_;
};

std::string FaultInjectionFileSystem::Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

void FaultInjectionFileSystem::ApplyPending(const Pending& p, std::string* image) {
  if (p.truncate) {
    image->resize(p.offset);
    return;
  }
  if (image->size() < p.offset + p.data.size()) image->resize(p.offset + p.data.size());
  image->replace(p.offset, p.data.size(), p.data);
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
  return Status::Ok();
}

Result<std::unique_ptr<File>> FaultInjectionFileSystem::Open(const std::string& path, bool create) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(path);
  bool creating = it == live_.end() && create;
  CURVE_RETURN_IF_ERROR(Enter(Op::kOpen, creating, path));
  if (it == live_.end()) {
    if (!create) return NotFoundError("open " + path + ": no such file");
    if (!dirs_.contains(Parent(path))) return NotFoundError("open " + path + ": no such directory");
    it = live_.emplace(path, std::make_shared<Node>()).first;
  }
  return std::unique_ptr<File>(new FaultFile(this, it->second, path, generation_));
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kRename, true, from));
  auto it = live_.find(from);
  if (it == live_.end()) return NotFoundError("rename " + from + ": no such file");
  if (!dirs_.contains(Parent(to))) return NotFoundError("rename to " + to + ": no such directory");
  std::shared_ptr<Node> node = it->second;
  live_.erase(it);
  live_[to] = std::move(node);
  return Status::Ok();
}

Status FaultInjectionFileSystem::Remove(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kRemove, true, path));
  if (live_.erase(path) == 0) return NotFoundError("unlink " + path + ": no such file");
  return Status::Ok();
}

Result<std::vector<std::string>> FaultInjectionFileSystem::List(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kList, false, dir));
  if (!dirs_.contains(dir)) return NotFoundError("opendir " + dir + ": no such directory");
  std::vector<std::string> names;
  for (const auto& [path, node] : live_) {
    if (Parent(path) == dir) names.push_back(path.substr(dir.empty() ? 0 : dir.size() + 1));
  }
  for (const std::string& d : dirs_) {
    if (!d.empty() && Parent(d) == dir) names.push_back(d.substr(dir.empty() ? 0 : dir.size() + 1));
  }
  return names;
}

Status FaultInjectionFileSystem::CreateDir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kCreateDir, false, dir));
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos == dir.size() || dir[pos] == '/') dirs_.insert(dir.substr(0, pos));
  }
  return Status::Ok();
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  CURVE_RETURN_IF_ERROR(Enter(Op::kSyncDir, true, dir));
  if (!dirs_.contains(dir)) return NotFoundError("open " + dir + ": no such directory");
  std::erase_if(durable_, [&](const auto& kv) { return Parent(kv.first) == dir; });
  for (const auto& [path, node] : live_) {
    if (Parent(path) == dir) durable_[path] = node;
  }
  return Status::Ok();
}

uint64_t FaultInjectionFileSystem::Count(Op op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_[static_cast<int>(op)];
}

void FaultInjectionFileSystem::FailOp(Op op, uint64_t skip) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_after_[static_cast<int>(op)] = skip;
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
}

void FaultInjectionFileSystem::Restart(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  RestartLocked(seed);
}

void FaultInjectionFileSystem::RestartDroppingUnsynced() {
  std::lock_guard<std::mutex> lock(mu_);
  RestartLocked(std::nullopt);
}

void FaultInjectionFileSystem::RestartLocked(std::optional<uint64_t> seed) {
  std::mt19937_64 rng(seed.value_or(0));
  std::map<std::string, std::shared_ptr<Node>> revived;
  std::map<const Node*, std::shared_ptr<Node>> done;  // a node may have several durable names
  for (const auto& [path, node] : durable_) {
    auto it = done.find(node.get());
    if (it != done.end()) {
      revived[path] = it->second;
      continue;
    }
    auto fresh = std::make_shared<Node>();
    std::string image = node->synced;
    if (seed && !node->pending.empty()) {
      size_t keep = rng() % (node->pending.size() + 1);
      for (size_t i = 0; i < keep; ++i) ApplyPending(node->pending[i], &image);
      if (keep < node->pending.size()) {
        Pending torn = node->pending[keep];
        if (!torn.truncate) {
          torn.data.resize(torn.data.empty() ? 0 : rng() % torn.data.size());
          if (rng() % 4 == 0) {  // junk where the rest of the write should have gone
            size_t junk = 1 + rng() % 64;
            for (size_t i = 0; i < junk; ++i) torn.data.push_back(static_cast<char>(rng()));
          }
          ApplyPending(torn, &image);
        }
      }
    }
    fresh->data = image;
    fresh->synced = std::move(image);
    done[node.get()] = fresh;
    revived[path] = fresh;
  }
  live_ = revived;
  durable_ = std::move(revived);
  crashed_ = false;
  crash_budget_.reset();
  fail_after_ = {};
  ++generation_;
}

Result<std::string> FaultInjectionFileSystem::Contents(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(path);
  if (it == live_.end()) return NotFoundError(path + ": no such file");
  return it->second->data;
}

Status FaultInjectionFileSystem::SetContents(const std::string& path, std::string data) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(path);
  if (it == live_.end()) return NotFoundError(path + ": no such file");
  it->second->data = data;
  it->second->synced = std::move(data);
  it->second->pending.clear();
  return Status::Ok();
}

std::vector<std::string> FaultInjectionFileSystem::ListAll() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> paths;
  for (const auto& [path, node] : live_) paths.push_back(path);
  return paths;
}

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

}  // namespace curve::raft::testing
