#pragma once

#include <string>
#include <vector>

#include "operator/k8s/object_meta.h"

namespace curve::op {

// The CurveCluster of operator_bench and operator_heap_probe: "big" in namespace curve, the first
// three nodes running etcd/MDS, every node's disks matching ^sd as chunkservers (useAllDevices).
// 3 copysets per chunkserver: the simulated chunkservers (FakeChunkservers) and the MDS then
// handle 1,000 copysets instead of 33,000 before the cluster is Ready.
inline k8s::Json BenchCluster(const std::vector<std::string>& nodes) {
  return {
      {"apiVersion", "operator.curve.io/v1"},
      {"kind", "CurveCluster"},
      {"metadata", {{"name", "big"}, {"namespace", "curve"}}},
      {"spec",
       {{"curveVersion", {{"image", "curvebs:v1"}}},
        {"nodes", std::vector<std::string>(nodes.begin(), nodes.begin() + 3)},
        {"storage",
         {{"nodes", nodes}, {"useAllDevices", true}, {"deviceFilter", "^sd"}, {"copySets", 3}}}}}};
}

}  // namespace curve::op
