#include "services/chunkserver/datastore/chunk_file_name.h"

#include <charconv>

namespace curve::chunkserver {
namespace {

constexpr std::string_view kChunkPrefix = "chunk_";
constexpr std::string_view kPreservedInfix = ".snap_";
constexpr std::string_view kTakingSuffix = ".taking";

bool ParseNumber(std::string_view text, uint64_t* value) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::string ChunkFileName::ToString() const {
  std::string name = std::string(kChunkPrefix) + std::to_string(id);
  if (preserved) name += std::string(kPreservedInfix) + std::to_string(sequence);
  if (taking) name += kTakingSuffix;
  return name;
}

bool ChunkFileName::Parse(std::string_view name, ChunkFileName* out) {
  ChunkFileName parsed;
  if (!name.starts_with(kChunkPrefix)) return false;
  name.remove_prefix(kChunkPrefix.size());
  parsed.taking = name.ends_with(kTakingSuffix);
  if (parsed.taking) name.remove_suffix(kTakingSuffix.size());
  size_t infix = name.find(kPreservedInfix);
  if (infix != std::string_view::npos) {
    parsed.preserved = true;
    if (!ParseNumber(name.substr(infix + kPreservedInfix.size()), &parsed.sequence) ||
        parsed.sequence == 0) {
      return false;
    }
    name = name.substr(0, infix);
  }
  if (!ParseNumber(name, &parsed.id)) return false;
  *out = parsed;
  return true;
}

}  // namespace curve::chunkserver
