#include "common/fs/testing/mem_file_system.h"

#include <algorithm>
#include <random>

namespace curve::fs::testing {

class MemFileSystem::MemFile final : public File {
 public:
  MemFile(MemFileSystem* fs, std::shared_ptr<Node> node, std::string path, uint64_t generation,
          bool dsync)
      : fs_(fs),
        node_(std::move(node)),
        path_(std::move(path)),
        generation_(generation),
        dsync_(dsync) {}

  Status Write(uint64_t offset, std::string_view data) override {
    return Apply(Pending{false, false, offset, std::string(data)}, dsync_);
  }

  Result<size_t> Read(uint64_t offset, size_t n, char* buf) const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path_));
    if (offset >= node_->data.size()) return size_t{0};
    size_t got = std::min<uint64_t>(n, node_->data.size() - offset);
    node_->data.copy(buf, got, offset);
    return got;
  }

  Status Sync() override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path_));
    node_->synced = node_->data;
    node_->pending.clear();
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override { return Apply(Pending{true, false, size, ""}, false); }

  Status Allocate(uint64_t size) override { return Apply(Pending{true, true, size, ""}, false); }

  Result<uint64_t> Size() const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path_));
    return static_cast<uint64_t>(node_->data.size());
  }

  const std::string& path() const override { return path_; }

 private:
  Status Apply(Pending p, bool durable) {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    CURVE_RETURN_IF_ERROR(fs_->CheckHandle(generation_, path_));
    ApplyPending(p, &node_->data);
    if (durable && node_->pending.empty()) {
      ApplyPending(p, &node_->synced);
    } else {
      node_->pending.push_back(std::move(p));
    }
    return Status::Ok();
  }

  MemFileSystem* fs_;
  std::shared_ptr<Node> node_;
  std::string path_;
  uint64_t generation_;
  bool dsync_;
};

std::string MemFileSystem::Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

void MemFileSystem::ApplyPending(const Pending& p, std::string* image) {
  if (p.truncate) {
    if (!p.grow_only || image->size() < p.offset) image->resize(p.offset);
    return;
  }
  if (image->size() < p.offset + p.data.size()) image->resize(p.offset + p.data.size());
  image->replace(p.offset, p.data.size(), p.data);
}

Status MemFileSystem::CheckHandle(uint64_t generation, const std::string& path) const {
  if (generation != generation_) {
    return UnavailableError("stale handle of " + path + " opened before a restart");
  }
  return Status::Ok();
}

Result<std::unique_ptr<File>> MemFileSystem::Open(const std::string& path,
                                                  const OpenOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(path);
  if (it != live_.end() && options.create && options.exclusive) {
    return AlreadyExistsError("open " + path + ": file exists");
  }
  if (it == live_.end()) {
    if (!options.create) return NotFoundError("open " + path + ": no such file");
    if (!dirs_.contains(Parent(path))) return NotFoundError("open " + path + ": no such directory");
    it = live_.emplace(path, std::make_shared<Node>()).first;
  }
  return std::unique_ptr<File>(new MemFile(this, it->second, path, generation_, options.dsync));
}

Status MemFileSystem::RenameLocked(const std::string& from, const std::string& to) {
  auto it = live_.find(from);
  if (it == live_.end()) return NotFoundError("rename " + from + ": no such file");
  if (!dirs_.contains(Parent(to))) return NotFoundError("rename to " + to + ": no such directory");
  std::shared_ptr<Node> node = it->second;
  live_.erase(it);
  live_[to] = std::move(node);
  return Status::Ok();
}

Status MemFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  return RenameLocked(from, to);
}

Status MemFileSystem::RenameNoReplace(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  if (live_.contains(to) || dirs_.contains(to)) {
    return AlreadyExistsError("rename " + from + " -> " + to + ": file exists");
  }
  return RenameLocked(from, to);
}

Status MemFileSystem::Remove(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (live_.erase(path) == 0) return NotFoundError("unlink " + path + ": no such file");
  return Status::Ok();
}

Result<std::vector<std::string>> MemFileSystem::List(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!dirs_.contains(dir)) return NotFoundError("opendir " + dir + ": no such directory");
  std::vector<std::string> names;
  for (const auto& [path, node] : live_) {
    if (Parent(path) == dir) names.push_back(path.substr(dir.empty() ? 0 : dir.size() + 1));
  }
  return names;
}

bool MemFileSystem::Exists(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return live_.contains(path) || dirs_.contains(path);
}

Status MemFileSystem::CreateDir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos == dir.size() || dir[pos] == '/') dirs_.insert(dir.substr(0, pos));
  }
  return Status::Ok();
}

Status MemFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!dirs_.contains(dir)) return NotFoundError("open " + dir + ": no such directory");
  std::erase_if(durable_, [&](const auto& kv) { return Parent(kv.first) == dir; });
  for (const auto& [path, node] : live_) {
    if (Parent(path) == dir) durable_[path] = node;
  }
  return Status::Ok();
}

Result<SpaceInfo> MemFileSystem::Space(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!dirs_.contains(path) && !live_.contains(path)) {
    return NotFoundError("statvfs " + path + ": no such file or directory");
  }
  uint64_t used = 0;
  for (const auto& [name, node] : live_) used += node->data.size();
  return SpaceInfo{kTotalBytes, used < kTotalBytes ? kTotalBytes - used : 0};
}

void MemFileSystem::Restart(std::optional<uint64_t> seed) {
  std::lock_guard<std::mutex> lock(mu_);
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
  ++generation_;
}

Result<std::string> MemFileSystem::Contents(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(path);
  if (it == live_.end()) return NotFoundError(path + ": no such file");
  return it->second->data;
}

Status MemFileSystem::SetContents(const std::string& path, std::string data) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(path);
  if (it == live_.end()) return NotFoundError(path + ": no such file");
  it->second->data = data;
  it->second->synced = std::move(data);
  it->second->pending.clear();
  return Status::Ok();
}

std::vector<std::string> MemFileSystem::ListAll() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> paths;
  for (const auto& [path, node] : live_) paths.push_back(path);
  return paths;
}

}  // namespace curve::fs::testing
