#include "common/s3/validation.h"

#include <cctype>

namespace curve::s3 {
namespace {

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

bool IsIpv6Char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "192.168.5.4": four dot-separated runs of digits.
bool LooksLikeIpv4(std::string_view text) {
  int parts = 0;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    std::string_view part =
        text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!AllDigits(part)) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not valid UTF-8.
size_t Utf8Length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t length;
  unsigned int min;
  unsigned int code;
  if (lead < 0x80) return 1;
  if ((lead & 0xe0) == 0xc0) {
    length = 2, min = 0x80, code = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, min = 0x800, code = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, min = 0x10000, code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}

}  // namespace

Result<Endpoint> ParseEndpoint(std::string_view text) {
  const std::string quoted = "S3 endpoint '" + std::string(text) + "'";
  const std::string expected = " (expected http://host:port, https://host:port or host:port)";
  if (text.empty()) return InvalidArgumentError("S3 endpoint is empty" + expected);
  Endpoint endpoint;
  std::string_view rest = text;
  size_t scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string scheme(rest.substr(0, scheme_end));
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme == "https") {
      endpoint.https = true;
    } else if (scheme != "http") {
      return InvalidArgumentError(quoted + " has scheme '" + scheme + "'" + expected);
    }
    rest.remove_prefix(scheme_end + 3);
  }
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority_end != std::string_view::npos && rest.substr(authority_end) != "/") {
    return InvalidArgumentError(quoted + " has a path, query or fragment '" +
                                std::string(rest.substr(authority_end)) +
                                "'; buckets are addressed by path" + expected);
  }
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgumentError(quoted + " has user info; credentials go in the access and " +
                                "secret keys" + expected);
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgumentError(quoted + " has an unterminated IPv6 address" + expected);
    }
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return InvalidArgumentError(quoted + " has junk after the IPv6 address" + expected);
      }
      has_port = true;
      port = after.substr(1);
    }
    if (host.size() == 2) return InvalidArgumentError(quoted + " has no host" + expected);
    for (char c : host.substr(1, host.size() - 2)) {
      if (!IsIpv6Char(c)) {
        return InvalidArgumentError(quoted + " has an invalid IPv6 address" + expected);
      }
    }
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return InvalidArgumentError(quoted + " has no host" + expected);
    for (char c : host) {
      if (!IsHostChar(c)) {
        return InvalidArgumentError(quoted + " has an invalid character '" + std::string(1, c) +
                                    "' in its host" + expected);
      }
    }
  }
  if (has_port) {
    if (!AllDigits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
        std::stoi(std::string(port)) > 65535) {
      return InvalidArgumentError(quoted + " has an invalid port '" + std::string(port) +
                                  "' (expected 1-65535)" + expected);
    }
    endpoint.port = std::stoi(std::string(port));
  }
  endpoint.host = std::string(host);
  endpoint.host_header = endpoint.host;
  if (has_port) endpoint.host_header += ":" + std::to_string(endpoint.port);
  endpoint.url = std::string(endpoint.https ? "https://" : "http://") + endpoint.host_header;
  return endpoint;
}

Status ValidateBucketName(std::string_view bucket) {
  auto invalid = [&](const std::string& rule) {
    return InvalidArgumentError("S3 bucket name '" + std::string(bucket) + "' is invalid: " + rule);
  };
  if (bucket.size() < 3 || bucket.size() > 63) return invalid("must have 3-63 characters");
  for (char c : bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-')) {
      return invalid("only lower-case letters, digits, '.' and '-' are allowed");
    }
  }
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) {
    return invalid("must start and end with a letter or digit");
  }
  if (bucket.find("..") != std::string_view::npos) return invalid("must not contain '..'");
  if (LooksLikeIpv4(bucket)) return invalid("must not look like an IP address");
  if (bucket.substr(0, 4) == "xn--") return invalid("must not start with 'xn--'");
  return Status::Ok();
}

Status ValidateKey(std::string_view key) {
  if (key.empty()) return InvalidArgumentError("S3 object key is empty");
  if (key.size() > 1024) {
    return InvalidArgumentError("S3 object key '" + std::string(key.substr(0, 64)) + "...' has " +
                                std::to_string(key.size()) + " bytes (at most 1024)");
  }
  for (size_t i = 0; i < key.size();) {
    size_t length = Utf8Length(key, i);
    if (length == 0) {
      return InvalidArgumentError("S3 object key has invalid UTF-8 at byte " + std::to_string(i));
    }
    i += length;
  }
  return Status::Ok();
}

}  // namespace curve::s3
