#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace curve::mds {

// A chunkserver as copyset placement sees it.
struct PlacementNode {
  uint32_t id = 0;
  std::string zone;
};

using CopysetMembers = std::array<uint32_t, 3>;

// Plans `count` new copysets over `nodes`, given the copysets that already exist among them.
// Every planned copyset has 3 members in 3 different zones. Greedy: each copyset starts at the
// node holding the fewest copysets, and adds members from unused zones preferring nodes that do
// not yet share a copyset with the members chosen so far, then the fewest copysets, then the
// smallest scatter width (distinct peers), so copyset counts and scatter widths stay balanced.
// FAILED_PRECONDITION when the nodes span fewer than 3 zones. Pure and deterministic.
Result<std::vector<CopysetMembers>> PlanCopysets(const std::vector<PlacementNode>& nodes,
                                                 const std::vector<CopysetMembers>& existing,
                                                 int count);

// Picks a replacement for `leaving` in a copyset with `members`: a node from `candidates` in a
// zone none of the other members use, not already a member, with the fewest copysets
// (`copyset_counts` is indexed by the position in `candidates`). NOT_FOUND when none fits.
Result<uint32_t> PickReplacement(const std::vector<PlacementNode>& candidates,
                                 const std::vector<int>& copyset_counts,
                                 const std::vector<PlacementNode>& members, uint32_t leaving);

}  // namespace curve::mds
