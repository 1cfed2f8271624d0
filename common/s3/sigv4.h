#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

// AWS Signature Version 4 (header-based), as pure functions of the request, so the documented
// AWS examples are unit tests.

namespace curve::s3 {

// SHA-256 of `data` as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

// RFC 3986 percent-encoding as SigV4 wants it: A-Z a-z 0-9 - . _ ~ stay, every other byte
// becomes %XY (upper-case hex); '/' stays when `keep_slash` (object key paths).
std::string UriEncode(std::string_view text, bool keep_slash);

// "YYYYMMDDTHHMMSSZ" (UTC) of `unix_seconds`, the x-amz-date format.
std::string AmzDate(long long unix_seconds);

struct SigningRequest {
  std::string method;         // "GET"
  std::string canonical_uri;  // the path exactly as sent, already URI-encoded: "/bucket/a%20b"
  // Query parameters, not encoded; any order. A parameter without value has value "".
  std::vector<std::pair<std::string, std::string>> query;
  // Every header to sign, names in any case; must include host and x-amz-date (and, for S3,
  // x-amz-content-sha256). Values are trimmed and inner runs of spaces collapsed.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // hex, or "UNSIGNED-PAYLOAD"
};

struct SigningKey {
  std::string access_key;
  std::string secret_key;
  std::string region;  // "us-east-1"
  std::string service = "s3";
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;range;x-amz-content-sha256;x-amz-date"
  std::string signature;       // hex
  std::string authorization;   // the Authorization header value
};

// Signs `request` at `amz_date` ("20130524T000000Z"; the date part names the scope).
Signature SignV4(const SigningRequest& request, const SigningKey& key, std::string_view amz_date);

// The canonical query string: parameters encoded, sorted by name then value, joined by '&'.
std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace curve::s3
