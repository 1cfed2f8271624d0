#pragma once

// ChunkStore's record of one chunk (internal to chunk_store*.cc).

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "services/chunkserver/datastore/chunk_store.h"

namespace curve::chunkserver {

struct ChunkStore::Chunk {
  ChunkId id = 0;
  std::string path;
  Status broken;  // DATA_LOSS when the file is corrupt

  // Shared by snapshot reads; exclusive while the copy is made or dropped and while the sequence
  // is raised. Taken before `mu`.
  std::shared_mutex cow;

  std::mutex mu;
  bool created = true;    // false while being created (or after that failed), guarded by mu
  uint64_t sequence = 0;  // guarded by mu
  std::shared_ptr<fs::File> file;  // opened on first use, guarded by mu

  // The preserved copy, guarded by mu. Present when `preserved_path` is set; `preserved_broken`
  // is DATA_LOSS when Open found it corrupt.
  uint64_t preserved_sequence = 0;
  std::string preserved_path;
  Status preserved_broken;
  std::shared_ptr<fs::File> preserved_file;  // opened on first use

  bool has_preserved() const { return !preserved_path.empty(); }
};

}  // namespace curve::chunkserver
