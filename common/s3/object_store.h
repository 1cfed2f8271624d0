#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace curve::s3 {

// A bucket of objects. Thread-safe.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Stores `data` under `key` (replacing it).
  virtual Status Put(const std::string& key, std::string_view data) = 0;
  // The object's bytes; NOT_FOUND when absent.
  virtual Result<std::string> Get(const std::string& key) = 0;
  // OK also when absent.
  virtual Status Delete(const std::string& key) = 0;
  // Keys starting with `prefix`, sorted (all pages).
  virtual Result<std::vector<std::string>> List(const std::string& prefix) = 0;
};

struct S3Options {
  std::string endpoint;  // "http://host:port" or "https://..."; "host:port" means http
  std::string bucket;
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  int timeout_seconds = 30;
  // Attempts per request when the store is unreachable or answers 5xx (each request is
  // idempotent); 1 disables retries. Waits 100 ms, then 200 ms, ... between attempts.
  int max_attempts = 3;
  // Keys asked per List page (S3 returns at most 1000).
  int list_page_size = 1000;
  // A PEM file of CA certificates trusted for an https endpoint (e.g. a private CA); empty: the
  // system's CAs. Ignored for http.
  std::string ca_file;
};

// Path-style requests signed with AWS Signature V4. Creates the bucket when it does not exist.
// Errors name the endpoint, bucket, key and the S3 error code/message
// (UNAVAILABLE when unreachable, PERMISSION_DENIED for bad credentials, INVALID_ARGUMENT for a
// malformed endpoint/bucket name).
Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(const S3Options& options);

}  // namespace curve::s3
