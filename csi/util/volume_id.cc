#include "csi/util/volume_id.h"

#include <cctype>
#include <cstdio>

namespace curve::csi {
namespace {

constexpr std::string_view kVersion = "0001";
constexpr size_t kMaxMdsName = 255;

}  // namespace

bool IsMdsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

std::string EncodeVolumeId(const VolumeId& id) {
  char length[3];
  std::snprintf(length, sizeof(length), "%02x", static_cast<unsigned>(id.user.size() & 0xff));
  return std::string(kVersion) + "-" + length + "-" + id.user + "-" + id.file_name;
}

Result<VolumeId> DecodeVolumeId(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("volume id '" + std::string(text) +
                                "' is malformed: " + std::string(why));
  };
  if (text.size() < kVersion.size() + 4 || text.substr(0, kVersion.size()) != kVersion ||
      text[kVersion.size()] != '-') {
    return bad("expected prefix 0001-");
  }
  std::string_view rest = text.substr(kVersion.size() + 1);
  unsigned length = 0;
  for (int i = 0; i < 2; ++i) {
    char c = rest[i];
    int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                                                            : -1;
    if (digit < 0) return bad("user length is not 2 hex digits");
    length = length * 16 + static_cast<unsigned>(digit);
  }
  if (rest[2] != '-') return bad("expected '-' after the user length");
  rest = rest.substr(3);
  if (length == 0 || rest.size() < length + 2 || rest[length] != '-') {
    return bad("user length does not match");
  }
  VolumeId id{std::string(rest.substr(0, length)), std::string(rest.substr(length + 1))};
  for (char c : id.user) {
    if (!IsMdsNameChar(c)) return bad("user has a character outside [A-Za-z0-9._-]");
  }
  for (char c : id.file_name) {
    if (!IsMdsNameChar(c)) return bad("file name has a character outside [A-Za-z0-9._-]");
  }
  if (id.file_name == "." || id.file_name == "..") return bad("file name is . or ..");
  return id;
}

Result<std::string> FileNameForVolumeName(std::string_view name) {
  if (name.empty()) return InvalidArgumentError("volume name is empty");
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool keep = IsMdsNameChar(c) && c != '_' && !(i == 0 && c == '.');
    if (keep) {
      out += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "_%02x", static_cast<unsigned char>(c));
      out += hex;
    }
  }
  if (out.size() > kMaxMdsName) {
    return InvalidArgumentError("volume name '" + std::string(name) + "' is too long: its MDS " +
                                "file name would have " + std::to_string(out.size()) +
                                " characters, at most 255 are allowed");
  }
  return out;
}

}  // namespace curve::csi
