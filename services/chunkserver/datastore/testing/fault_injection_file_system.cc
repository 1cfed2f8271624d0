#include "services/chunkserver/datastore/testing/fault_injection_file_system.h"

namespace curve::chunkserver::testing {
namespace {

class FaultInjectionFile : public File {
 public:
  FaultInjectionFile(std::unique_ptr<File> base, FaultInjectionFileSystem* fs)
      : base_(std::move(base)), fs_(fs) {}

  Status Write(uint64_t offset, const char* data, size_t n) override {
    CURVE_RETURN_IF_ERROR(fs_->Check(FaultInjectionFileSystem::Op::kWrite, path()));
    return base_->Write(offset, data, n);
  }
  Status Read(uint64_t offset, size_t n, char* buf) const override {
    CURVE_RETURN_IF_ERROR(fs_->Check(FaultInjectionFileSystem::Op::kRead, path()));
    return base_->Read(offset, n, buf);
  }
  Status Sync() override {
    CURVE_RETURN_IF_ERROR(fs_->Check(FaultInjectionFileSystem::Op::kSync, path()));
    return base_->Sync();
  }
  Status Allocate(uint64_t size) override {
    CURVE_RETURN_IF_ERROR(fs_->Check(FaultInjectionFileSystem::Op::kAllocate, path()));
    return base_->Allocate(size);
  }
  Result<uint64_t> Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<File> base_;
  FaultInjectionFileSystem* fs_;
};

}  // namespace

void FaultInjectionFileSystem::FailNext(Op op, std::string path_part, Status error, int count) {
  std::lock_guard lock(mu_);
  rules_.push_back(Rule{op, std::move(path_part), std::move(error), count});
}

void FaultInjectionFileSystem::Clear() {
  std::lock_guard lock(mu_);
  rules_.clear();
}

Status FaultInjectionFileSystem::Check(Op op, const std::string& path) {
  std::lock_guard lock(mu_);
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
  CURVE_RETURN_IF_ERROR(Check(Op::kOpen, path));
  CURVE_ASSIGN_OR_RETURN(auto file, base_->Open(path, options));
  return std::unique_ptr<File>(new FaultInjectionFile(std::move(file), this));
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  CURVE_RETURN_IF_ERROR(Check(Op::kRename, from + " -> " + to));
  return base_->Rename(from, to);
}

Status FaultInjectionFileSystem::Replace(const std::string& from, const std::string& to) {
  CURVE_RETURN_IF_ERROR(Check(Op::kReplace, from + " -> " + to));
  return base_->Replace(from, to);
}

Status FaultInjectionFileSystem::Remove(const std::string& path) {
  CURVE_RETURN_IF_ERROR(Check(Op::kRemove, path));
  return base_->Remove(path);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::List(const std::string& dir) {
  return base_->List(dir);
}

bool FaultInjectionFileSystem::Exists(const std::string& path) { return base_->Exists(path); }

Status FaultInjectionFileSystem::CreateDir(const std::string& dir) { return base_->CreateDir(dir); }

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  CURVE_RETURN_IF_ERROR(Check(Op::kSyncDir, dir));
  return base_->SyncDir(dir);
}

Result<SpaceInfo> FaultInjectionFileSystem::Space(const std::string& path) {
  return base_->Space(path);
}

}  // namespace curve::chunkserver::testing
