#include "common/s3/s3_response.h"

#include <cctype>
#include <cstdint>

namespace curve::s3 {
namespace {

// The character data of every <tag>...</tag> inside `body`, in order (no nesting of `tag`).
std::vector<std::string_view> Elements(std::string_view body, std::string_view tag) {
  std::vector<std::string_view> out;
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t at = 0;
  while ((at = body.find(open, at)) != std::string_view::npos) {
    size_t start = at + open.size();
    size_t end = body.find(close, start);
    if (end == std::string_view::npos) break;
    out.push_back(body.substr(start, end - start));
    at = end + close.size();
  }
  return out;
}

std::string FirstElement(std::string_view body, std::string_view tag) {
  auto all = Elements(body, tag);
  return all.empty() ? std::string() : XmlUnescape(all.front());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t code, std::string& out) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
  }
}

}  // namespace

S3Error ParseError(std::string_view body) {
  return S3Error{FirstElement(body, "Code"), FirstElement(body, "Message")};
}

StatusCode CodeForS3Error(int http_status, std::string_view s3_code) {
  if (s3_code == "NoSuchKey" || s3_code == "NoSuchBucket") return StatusCode::kNotFound;
  if (s3_code == "BucketAlreadyExists" || s3_code == "BucketAlreadyOwnedByYou") {
    return StatusCode::kAlreadyExists;
  }
  if (s3_code == "SlowDown" || s3_code == "ServiceUnavailable" || s3_code == "InternalError") {
    return StatusCode::kUnavailable;
  }
  if (http_status == 401 || http_status == 403) return StatusCode::kPermissionDenied;
  if (http_status == 404) return StatusCode::kNotFound;
  if (http_status == 400) return StatusCode::kInvalidArgument;
  if (http_status == 409) return StatusCode::kAborted;
  if (http_status == 411 || http_status == 412) return StatusCode::kFailedPrecondition;
  if (http_status == 416) return StatusCode::kOutOfRange;
  if (http_status == 429 || http_status >= 500) return StatusCode::kUnavailable;
  return StatusCode::kUnknown;
}

Result<ListPage> ParseListPage(std::string_view body) {
  if (body.find("<ListBucketResult") == std::string_view::npos) {
    return InternalError("S3 list answer is not a ListBucketResult: " +
                         std::string(body.substr(0, 200)));
  }
  ListPage page;
  for (std::string_view contents : Elements(body, "Contents")) {
    auto key = Elements(contents, "Key");
    if (key.size() != 1) return InternalError("S3 list answer has a Contents without one Key");
    Result<std::string> decoded = UrlDecode(XmlUnescape(key.front()));
    if (!decoded.ok()) return InternalError("S3 list answer: " + decoded.status().message());
    page.keys.push_back(std::move(*decoded));
  }
  page.truncated = FirstElement(body, "IsTruncated") == "true";
  page.next_token = FirstElement(body, "NextContinuationToken");
  if (page.truncated && page.next_token.empty()) {
    return InternalError("S3 list answer is truncated but has no NextContinuationToken");
  }
  return page;
}

std::string XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() > 1 && entity[0] == '#') {
      bool hex = entity[1] == 'x' || entity[1] == 'X';
      uint32_t code = 0;
      bool valid = entity.size() > (hex ? 2u : 1u);
      for (char c : entity.substr(hex ? 2 : 1)) {
        int digit =
            hex ? HexValue(c) : (std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : -1);
        if (digit < 0 || code > 0x10ffff) {
          valid = false;
          break;
        }
        code = code * (hex ? 16 : 10) + static_cast<uint32_t>(digit);
      }
      if (!valid || code > 0x10ffff) {
        out.append(text.substr(i, semi - i + 1));
      } else {
        AppendUtf8(code, out);
      }
    } else {
      out.append(text.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

Result<std::string> UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%') {
      int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return InvalidArgumentError("bad percent escape in '" + std::string(text) + "'");
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace curve::s3
