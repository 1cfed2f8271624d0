#pragma once

#include <string>

#include "common/result.h"
#include "proto/mds/topology.pb.h"

namespace curve::cli {

// Reads a cluster map YAML file:
//   poolsets: [{name: ssd, type: ssd}]
//   pools:    [{name: pool1, poolset: ssd, copysetsPerChunkserver: 100}]
//   servers:  [{name: s1, host: 10.0.0.1, zone: zone1, pool: pool1}]
// INVALID_ARGUMENT naming the file, key and value on malformed input or unknown keys.
Result<mds::ApplyTopologyRequest> ReadClusterMap(const std::string& path);

// Parses "10GiB", "10G", "512MiB", "1TiB" or a plain byte count.
Result<uint64_t> ParseSize(const std::string& flag, const std::string& text);

}  // namespace curve::cli
