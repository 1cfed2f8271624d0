#pragma once

// A volume of alice's created on a LocalCluster, opened through libcurve and filled with the
// generation-1 checksummed pattern (pattern.h): the common start of the data-path tests.

#include <memory>
#include <string>

#include "common/result.h"
#include "services/client/volume.h"
#include "tests/cluster/local_cluster.h"
#include "tests/cluster/pattern.h"

namespace curve::testing {

inline Result<std::unique_ptr<client::Volume>> CreateFilledVolume(LocalCluster& cluster,
                                                                  const std::string& path,
                                                                  uint64_t size) {
  constexpr uint64_t kWrite = 1 << 20;
  CURVE_RETURN_IF_ERROR(cluster.CreateVolume("alice", path, size));
  client::VolumeOptions options;
  options.mds_addresses = cluster.mds_list();
  CURVE_ASSIGN_OR_RETURN(auto volume, client::Volume::Open(options, "alice", path));
  for (uint64_t offset = 0; offset < size; offset += kWrite) {
    std::string data = PatternRange(offset, kWrite, 1);
    CURVE_RETURN_IF_ERROR(volume->Write(offset, data.size(), data.data())
                              .WithContext(path + " write at " + std::to_string(offset)));
  }
  return volume;
}

// Reads the volume back: OK when every 4 KiB block holds the generation-1 pattern, else an
// error naming the first bad offset.
inline Status VerifyFilledVolume(client::Volume& volume, uint64_t size) {
  constexpr uint64_t kRead = 1 << 20;
  std::string got(kRead, 'x');
  for (uint64_t offset = 0; offset < size; offset += kRead) {
    CURVE_RETURN_IF_ERROR(volume.Read(offset, got.size(), got.data())
                              .WithContext("read at " + std::to_string(offset)));
    for (uint64_t at = 0; at < kRead; at += 4096) {
      if (got.compare(at, 4096, PatternBlock(offset + at, 1)) != 0) {
        return DataLossError("block at " + std::to_string(offset + at) +
                             " does not hold its pattern");
      }
    }
  }
  return Status::Ok();
}

}  // namespace curve::testing
