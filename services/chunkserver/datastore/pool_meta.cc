#include "services/chunkserver/datastore/pool_meta.h"

#include <charconv>
#include <map>

#include "services/chunkserver/datastore/checksum.h"

namespace curve::chunkserver {
namespace {

constexpr std::string_view kHeader = "curve-chunkfilepool v1\n";

}  // namespace

std::string PoolMeta::Encode() const {
  std::string body(kHeader);
  body += "state=" + std::string(state == State::kFormatted ? "formatted" : "formatting") + "\n";
  body += "chunk_size=" + std::to_string(chunk_size) + "\n";
  body += "meta_page_size=" + std::to_string(meta_page_size) + "\n";
  body += "chunk_count=" + std::to_string(chunk_count) + "\n";
  body += "crc=" + std::to_string(Crc32(body)) + "\n";
  return body;
}

Result<PoolMeta> PoolMeta::Decode(std::string_view text, const std::string& origin) {
  auto corrupt = [&](const std::string& what) {
    return DataLossError("chunk file pool meta " + origin + " is corrupt: " + what);
  };
  if (text.substr(0, kHeader.size()) != kHeader) return corrupt("unknown header or version");
  size_t crc_pos = text.rfind("crc=");
  if (crc_pos == std::string_view::npos) return corrupt("no crc line");
  std::map<std::string, std::string, std::less<>> fields;
  size_t pos = kHeader.size();
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) return corrupt("truncated line");
    std::string_view line = text.substr(pos, end - pos);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return corrupt("line without '='");
    fields[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    pos = end + 1;
  }
  auto number = [&](const std::string& key, uint64_t* out) {
    auto it = fields.find(key);
    if (it == fields.end()) return false;
    auto [ptr, ec] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), *out);
    return ec == std::errc() && ptr == it->second.data() + it->second.size();
  };
  uint64_t crc = 0;
  if (!number("crc", &crc) || crc != Crc32(text.substr(0, crc_pos))) {
    return corrupt("checksum mismatch");
  }
  PoolMeta meta;
  uint64_t page = 0;
  if (!number("chunk_size", &meta.chunk_size) || !number("meta_page_size", &page) ||
      !number("chunk_count", &meta.chunk_count)) {
    return corrupt("missing or malformed field");
  }
  meta.meta_page_size = static_cast<uint32_t>(page);
  auto state = fields.find("state");
  if (state == fields.end()) return corrupt("missing state");
  if (state->second == "formatted") {
    meta.state = State::kFormatted;
  } else if (state->second == "formatting") {
    meta.state = State::kFormatting;
  } else {
    return corrupt("unknown state '" + state->second + "'");
  }
  return meta;
}

}  // namespace curve::chunkserver
