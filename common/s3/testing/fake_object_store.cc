#include "common/s3/testing/fake_object_store.h"

#include "common/s3/validation.h"

namespace curve::s3 {

Status FakeObjectStore::Check(const std::string& key, bool allow_empty) const {
  if (error_) return *error_;
  if (allow_empty && key.empty()) return Status::Ok();
  return ValidateKey(key);
}

Status FakeObjectStore::Put(const std::string& key, std::string_view data) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.puts;
  CURVE_RETURN_IF_ERROR(Check(key, false));
  objects_[key] = std::string(data);
  return Status::Ok();
}

Result<std::string> FakeObjectStore::Get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.gets;
  CURVE_RETURN_IF_ERROR(Check(key, false));
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFoundError("fake s3 GET key=" + key + ": NoSuchKey");
  return it->second;
}

Status FakeObjectStore::Delete(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.deletes;
  CURVE_RETURN_IF_ERROR(Check(key, false));
  objects_.erase(key);
  return Status::Ok();
}

Result<std::vector<std::string>> FakeObjectStore::List(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.lists;
  CURVE_RETURN_IF_ERROR(Check(prefix, true));
  std::vector<std::string> keys;
  for (auto it = objects_.lower_bound(prefix);
       it != objects_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    keys.push_back(it->first);
  }
  return keys;
}

void FakeObjectStore::InjectError(Status error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (error.ok()) {
    error_.reset();
  } else {
    error_ = std::move(error);
  }
}

void FakeObjectStore::ClearError() {
  std::lock_guard<std::mutex> lock(mu_);
  error_.reset();
}

FakeObjectStore::Stats FakeObjectStore::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

size_t FakeObjectStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_.size();
}

}  // namespace curve::s3
