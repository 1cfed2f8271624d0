#include "services/chunkserver/datastore/chunk_header.h"

#include <cstring>

#include "services/chunkserver/datastore/checksum.h"

namespace curve::chunkserver {
namespace {

constexpr char kMagic[8] = {'C', 'U', 'R', 'V', 'E', 'C', 'H', 'K'};
constexpr uint32_t kVersion = 1;
constexpr size_t kCrcOffset = 44;

template <typename T>
void Put(char* page, size_t offset, T value) {
  std::memcpy(page + offset, &value, sizeof(T));  // little-endian hosts only (x86-64, arm64)
}

template <typename T>
T Get(std::string_view page, size_t offset) {
  T value;
  std::memcpy(&value, page.data() + offset, sizeof(T));
  return value;
}

}  // namespace

void ChunkHeader::EncodeTo(char* page) const {
  std::memset(page, 0, page_size);
  std::memcpy(page, kMagic, sizeof(kMagic));
  Put<uint32_t>(page, 8, kVersion);
  Put<uint32_t>(page, 12, static_cast<uint32_t>(kind));
  Put<uint64_t>(page, 16, chunk_id);
  Put<uint64_t>(page, 24, sequence);
  Put<uint64_t>(page, 32, chunk_size);
  Put<uint32_t>(page, 40, page_size);
  Put<uint32_t>(page, kCrcOffset, Crc32(std::string_view(page, kCrcOffset)));
}

Result<ChunkHeader> ChunkHeader::Decode(std::string_view page, const std::string& path) {
  if (page.size() < kCrcOffset + 4) {
    return DataLossError("chunk file " + path + ": header page is truncated");
  }
  if (std::memcmp(page.data(), kMagic, sizeof(kMagic)) != 0) {
    return DataLossError("chunk file " + path + ": header page has no chunk magic");
  }
  if (Get<uint32_t>(page, kCrcOffset) != Crc32(page.substr(0, kCrcOffset))) {
    return DataLossError("chunk file " + path + ": header page checksum mismatch");
  }
  if (Get<uint32_t>(page, 8) != kVersion) {
    return DataLossError("chunk file " + path + ": unknown header version " +
                         std::to_string(Get<uint32_t>(page, 8)));
  }
  const uint32_t kind = Get<uint32_t>(page, 12);
  if (kind > static_cast<uint32_t>(Kind::kPreserved)) {
    return DataLossError("chunk file " + path + ": unknown file kind " + std::to_string(kind));
  }
  ChunkHeader header;
  header.kind = static_cast<Kind>(kind);
  header.chunk_id = Get<uint64_t>(page, 16);
  header.sequence = Get<uint64_t>(page, 24);
  header.chunk_size = Get<uint64_t>(page, 32);
  header.page_size = Get<uint32_t>(page, 40);
  return header;
}

}  // namespace curve::chunkserver
