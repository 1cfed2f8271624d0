#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "proto/mds/topology.pb.h"

namespace curve::mds {

inline constexpr std::string_view kDefaultPoolset = "default";

// A name of a poolset, pool, server, zone or user: 1-64 of [A-Za-z0-9._-]. On failure the
// INVALID_ARGUMENT message names `field`.
Status ValidateName(std::string_view field, std::string_view name);

// Adds the `default` poolset when missing. Returns whether it changed anything.
bool EnsureDefaultPoolset(Topology* topology);

// Merges a declared cluster map into `topology`. Idempotent: entities that already exist with
// the same definition are left alone; new poolsets, pools and servers are added (extending the
// pools); a redefinition (a poolset with another type, a pool in another poolset, a server with
// another host, zone or pool, two servers with one host) fails with FAILED_PRECONDITION naming
// the conflict, and then `topology` is unchanged. Entities missing from the map are kept.
// Appends one line per change to `changes`. Malformed input: INVALID_ARGUMENT naming the field.
Status ApplyClusterMap(const ApplyTopologyRequest& map, uint32_t default_copysets_per_chunkserver,
                       Topology* topology, std::vector<std::string>* changes);

// Lookups on a topology; nullptr when absent.
const Poolset* FindPoolset(const Topology& topology, std::string_view name);
const PhysicalPool* FindPhysicalPool(const Topology& topology, std::string_view name);
const Server* FindServer(const Topology& topology, std::string_view name);
const Server* FindServerByHost(const Topology& topology, std::string_view host);
ChunkServer* FindChunkServer(Topology* topology, uint32_t id);
const ChunkServer* FindChunkServer(const Topology& topology, uint32_t id);

// Lower-cases a disk or poolset type.
std::string NormalizeType(std::string_view type);

}  // namespace curve::mds
