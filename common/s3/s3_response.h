#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

// The parts of S3's XML responses the client reads (error bodies, ListObjectsV2 pages) and the
// mapping of S3 errors to status codes. S3's XML is flat and known, so a small scanner does.

namespace curve::s3 {

// <Error><Code>NoSuchKey</Code><Message>...</Message></Error>; empty fields when the body has
// none (e.g. a HEAD response).
struct S3Error {
  std::string code;
  std::string message;
};
S3Error ParseError(std::string_view body);

// The status code for an S3 error answer: NOT_FOUND (404, NoSuchKey, NoSuchBucket),
// PERMISSION_DENIED (403: AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId, ...),
// INVALID_ARGUMENT (400), ALREADY_EXISTS (BucketAlreadyExists), UNAVAILABLE (429, 5xx: retryable)
// and so on.
StatusCode CodeForS3Error(int http_status, std::string_view s3_code);

// One page of a ListObjectsV2 answer requested with encoding-type=url.
struct ListPage {
  std::vector<std::string> keys;  // decoded
  bool truncated = false;
  std::string next_token;  // NextContinuationToken, when truncated
};
// INTERNAL when the body is not a ListBucketResult or a key cannot be decoded.
Result<ListPage> ParseListPage(std::string_view body);

// The text of the XML character data `text`: &amp; &lt; &gt; &quot; &apos; &#N; &#xN; decoded.
std::string XmlUnescape(std::string_view text);

// Decodes %XY escapes and '+' (a space, as S3's encoding-type=url writes it); INVALID_ARGUMENT
// for a truncated or non-hex escape.
Result<std::string> UrlDecode(std::string_view text);

}  // namespace curve::s3
