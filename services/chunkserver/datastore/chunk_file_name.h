#pragma once

// The names of the files under a chunk store's chunks/ dir (see chunk_store.h):
//   chunk_<id>                    a chunk
//   chunk_<id>.snap_<seq>         the chunk's preserved copy at snapshot sequence <seq>
//   <either>.taking               a file being created (returned to the pool at Open)

#include <cstdint>
#include <string>
#include <string_view>

#include "services/chunkserver/datastore/chunk_header.h"

namespace curve::chunkserver {

struct ChunkFileName {
  ChunkId id = 0;
  bool preserved = false;  // a preserved copy, at `sequence`
  uint64_t sequence = 0;
  bool taking = false;

  std::string ToString() const;
  // False for a name that is none of the above.
  static bool Parse(std::string_view name, ChunkFileName* out);
};

}  // namespace curve::chunkserver
