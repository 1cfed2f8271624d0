#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

// Checks of what a caller hands the S3 client: the endpoint, the bucket name and object keys.
// Failures are INVALID_ARGUMENT naming the value and the rule it breaks.

namespace curve::s3 {

struct Endpoint {
  bool https = false;
  std::string host;         // "127.0.0.1", "s3.example.com", "[::1]"
  int port = 0;             // 0: the scheme's default
  std::string url;          // "http://127.0.0.1:9000", the base of every request
  std::string host_header;  // "127.0.0.1:9000": the Host header sent and signed
};

// Parses "http://host[:port]", "https://host[:port]" or "host[:port]" (http); an optional
// trailing '/' is allowed, any other path, query, fragment or user info is not.
Result<Endpoint> ParseEndpoint(std::string_view text);

// S3's bucket naming rules: 3-63 characters of a-z, 0-9, '.', '-'; starting and ending with a
// letter or digit; no "..", not an IPv4 address, no "xn--" prefix.
Status ValidateBucketName(std::string_view bucket);

// An object key: 1-1024 bytes of valid UTF-8.
Status ValidateKey(std::string_view key);

}  // namespace curve::s3
