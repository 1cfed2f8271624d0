#pragma once

#include <functional>
#include <string>
#include <vector>

#include "operator/objects/object_builder.h"

namespace curve::op {

// Names of one disk's objects: <cluster>-chunkserver-<node>-<device> and
// <cluster>-prepare-<node>-<device>.
std::string ChunkserverName(const BuildContext& ctx, const ChunkserverPlacement& cs);
std::string PrepareJobName(const BuildContext& ctx, const ChunkserverPlacement& cs);

// Chunkservers: a ConfigMap with the disk preparation script and the chunkserver settings; per
// placed disk a prepare Job (create-only; makes a file system only when the disk has none,
// mounts it, formats the chunk file pool once, marked by <mount>/.curve-formatted so a
// formatted disk is never formatted again) and a one-replica Deployment pinned to the disk's
// node by required node affinity, labelled with node, device and poolset, annotated with its
// port; a PodDisruptionBudget. Output is deterministic and a disk's objects depend only on the
// disk and the spec, so adding disks or nodes leaves existing objects byte-identical.
std::vector<DesiredObject> BuildChunkservers(const BuildContext& ctx);
// The same objects in the same order, handed to `emit` one at a time as they are built (a
// 1,000-disk cluster's objects take ~25 MiB decoded at once).
void ForEachChunkserverObject(const BuildContext& ctx,
                              const std::function<void(DesiredObject object)>& emit);

// The shell script of the prepare Jobs (exposed for tests).
std::string PrepareScript();

// The argv of one chunkserver ("curve-chunkserver", then exactly the flags of
// daemon::Contracts()); `disk_type` is its poolset's type.
std::vector<std::string> ChunkserverArgs(const ChunkserverPlacement& cs,
                                         const std::string& disk_type);

}  // namespace curve::op
