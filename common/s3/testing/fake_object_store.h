#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/s3/object_store.h"

namespace curve::s3 {

// An in-memory ObjectStore with S3ObjectStore's semantics (keys validated the same way:
// INVALID_ARGUMENT for an empty, over-long or non-UTF-8 key), for unit tests of the layers
// above. Errors can be injected. Thread-safe.
class FakeObjectStore final : public ObjectStore {
 public:
  Status Put(const std::string& key, std::string_view data) override;
  Result<std::string> Get(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<std::vector<std::string>> List(const std::string& prefix) override;

  // Every later call fails with `error` (e.g. UnavailableError(...)) until ClearError();
  // an OK `error` clears.
  void InjectError(Status error);
  void ClearError();

  // Counters of calls (also of failed ones) and the number of objects held.
  struct Stats {
    int puts = 0, gets = 0, deletes = 0, lists = 0;
  };
  Stats stats() const;
  size_t size() const;

 private:
  // The injected error, or the key's validation error.
  Status Check(const std::string& key, bool allow_empty) const;

  mutable std::mutex mu_;
  std::map<std::string, std::string> objects_;  // guarded by mu_
  std::optional<Status> error_;                 // guarded by mu_
  Stats stats_;                                 // guarded by mu_
};

}  // namespace curve::s3
