#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/s3/object_store.h"

namespace curve::s3 {

// ObjectStore over the S3 REST API (path-style, AWS Signature V4, cpprestsdk underneath; its
// headers stay in the .cc). Each request is retried on transport failures and 5xx/429 answers
// up to S3Options::max_attempts. Thread-safe: requests share one HTTP client.
class S3ObjectStore final : public ObjectStore {
 public:
  // Validates `options` (INVALID_ARGUMENT naming the bad field), then checks that the bucket
  // exists, creating it when it does not.
  static Result<std::unique_ptr<S3ObjectStore>> Open(const S3Options& options);
  ~S3ObjectStore() override;

  Status Put(const std::string& key, std::string_view data) override;
  Result<std::string> Get(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<std::vector<std::string>> List(const std::string& prefix) override;

 private:
  class Impl;
  explicit S3ObjectStore(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace curve::s3
