#include "services/mds/topology/placement.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace curve::mds {

Result<std::vector<CopysetMembers>> PlanCopysets(const std::vector<PlacementNode>& nodes,
                                                 const std::vector<CopysetMembers>& existing,
                                                 int count) {
  std::set<std::string> zones;
  std::map<uint32_t, size_t> index;
  for (size_t i = 0; i < nodes.size(); ++i) {
    zones.insert(nodes[i].zone);
    index[nodes[i].id] = i;
  }
  if (zones.size() < 3) {
    return FailedPreconditionError("copysets need chunkservers in 3 zones, found " +
                                   std::to_string(zones.size()));
  }
  std::vector<int> copysets(nodes.size(), 0);
  std::vector<std::set<uint32_t>> peers(nodes.size());
  auto add = [&](const CopysetMembers& members) {
    for (uint32_t a : members) {
      auto it = index.find(a);
      if (it == index.end()) continue;
      ++copysets[it->second];
      for (uint32_t b : members) {
        if (a != b) peers[it->second].insert(b);
      }
    }
  };
  for (const auto& members : existing) add(members);

  std::vector<CopysetMembers> planned;
  for (int n = 0; n < count; ++n) {
    std::vector<size_t> chosen;
    std::set<std::string> used_zones;
    for (int slot = 0; slot < 3; ++slot) {
      size_t best = nodes.size();
      std::tuple<int, int, size_t, uint32_t> best_key;
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (used_zones.count(nodes[i].zone)) continue;
        int shared = 0;
        for (size_t c : chosen) shared += peers[c].count(nodes[i].id) ? 1 : 0;
        std::tuple<int, int, size_t, uint32_t> key{copysets[i], shared, peers[i].size(),
                                                   nodes[i].id};
        // The first member is the least loaded node; later ones prefer new pairs.
        if (slot == 0) key = {0, copysets[i], peers[i].size(), nodes[i].id};
        if (best == nodes.size() || key < best_key) {
          best = i;
          best_key = key;
        }
      }
      chosen.push_back(best);
      used_zones.insert(nodes[best].zone);
    }
    CopysetMembers members{nodes[chosen[0]].id, nodes[chosen[1]].id, nodes[chosen[2]].id};
    std::sort(members.begin(), members.end());
    add(members);
    planned.push_back(members);
  }
  return planned;
}

Result<uint32_t> PickReplacement(const std::vector<PlacementNode>& candidates,
                                 const std::vector<int>& copyset_counts,
                                 const std::vector<PlacementNode>& members, uint32_t leaving) {
  std::set<std::string> zones;
  std::set<uint32_t> ids;
  for (const auto& m : members) {
    ids.insert(m.id);
    if (m.id != leaving) zones.insert(m.zone);
  }
  size_t best = candidates.size();
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (ids.count(candidates[i].id) || zones.count(candidates[i].zone)) continue;
    if (best == candidates.size() || copyset_counts[i] < copyset_counts[best] ||
        (copyset_counts[i] == copyset_counts[best] && candidates[i].id < candidates[best].id)) {
      best = i;
    }
  }
  if (best == candidates.size()) {
    return NotFoundError("no online chunkserver in an unused zone can replace chunkserver " +
                         std::to_string(leaving));
  }
  return candidates[best].id;
}

}  // namespace curve::mds
