#include "operator/placement/placement.h"

#include <algorithm>
#include <regex>

namespace curve::op {
namespace {

struct Candidate {
  DeviceSpec spec;
  bool from_discovery = false;
};

// The kernel name of `path` on `node`, and the discovered device (nullptr when the node has no
// report or the report does not list it).
const DiscoveredDevice* Resolve(const NodeInfo& node, const std::string& path,
                                std::string* kernel_name) {
  for (const auto& d : node.devices) {
    if (path == "/dev/" + d.name ||
        std::find(d.links.begin(), d.links.end(), path) != d.links.end()) {
      *kernel_name = d.name;
      return &d;
    }
  }
  *kernel_name = path.rfind("/dev/", 0) == 0 ? path.substr(5) : path;
  return nullptr;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

std::string FailureDomainOf(const NodeInfo& node, const std::string& label,
                            const std::string& device) {
  for (const auto& key : {kDeviceFailureDomainLabelPrefix + device, label}) {
    auto it = node.labels.find(key);
    if (it != node.labels.end() && !it->second.empty()) return it->second;
  }
  return node.name;
}

Placement ComputePlacement(const ClusterSpec& spec, const std::string& cluster,
                           const std::vector<NodeInfo>& nodes,
                           const std::vector<ExistingChunkserver>& existing) {
  Placement out;
  const StorageSpec& storage = spec.storage;
  std::map<std::string, const NodeInfo*> by_name;
  for (const auto& n : nodes) by_name[n.name] = &n;
  std::map<std::pair<std::string, std::string>, const ExistingChunkserver*> claimed;
  for (const auto& e : existing) claimed[{e.node, e.device}] = &e;

  // Storage nodes with their candidate devices, sorted by node name.
  std::map<std::string, std::vector<Candidate>> wanted;
  if (storage.use_selected_nodes) {
    for (const auto& s : storage.selected_nodes) {
      for (const auto& d : s.devices) wanted[s.node].push_back({d, false});
    }
  } else {
    for (const auto& n : storage.nodes) wanted[n];
  }
  std::regex filter(storage.device_filter.empty() ? ".*" : storage.device_filter);

  std::vector<ChunkserverPlacement> placed;
  for (auto& [node_name, candidates] : wanted) {
    auto found = by_name.find(node_name);
    if (found == by_name.end()) {
      out.problems.push_back(
          {"NodeNotFound", "storage node " + node_name + " does not exist; its disks wait"});
      continue;
    }
    const NodeInfo& node = *found->second;
    if (!storage.use_selected_nodes) {
      if (storage.use_all_devices) {
        if (!node.has_report) {
          out.problems.push_back(
              {"DiscoveryPending", "node " + node_name + " has no disk discovery report yet"});
        }
        for (const auto& d : node.devices) {
          if (!d.fstype.empty() || !d.mountpoint.empty()) continue;
          if (!std::regex_search(d.name, filter)) continue;
          DeviceSpec device;
          device.name = "/dev/" + d.name;
          device.percentage = storage.percentage;
          candidates.push_back({device, true});
        }
      } else {
        for (const auto& d : storage.devices) candidates.push_back({d, false});
      }
    }
    std::map<std::string, std::string> seen;  // kernel name -> path as listed
    std::map<std::string, std::string> server_domains;
    std::string node_poolset;
    for (const auto& candidate : candidates) {
      const DeviceSpec& d = candidate.spec;
      ChunkserverPlacement cs;
      cs.node = node.name;
      cs.address = node.address;
      cs.device_path = d.name;
      const DiscoveredDevice* discovered = Resolve(node, d.name, &cs.device);
      std::string where = "device " + d.name + " on node " + node.name;
      if (!seen.emplace(cs.device, d.name).second) {
        out.problems.push_back({"DeviceClaimedTwice",
                                where + " is the same disk as " + seen[cs.device] + "; used once"});
        continue;
      }
      auto claim = claimed.find({node.name, cs.device});
      if (claim != claimed.end() && claim->second->cluster != cluster) {
        out.problems.push_back({"DeviceClaimedByOtherCluster",
                                where + " is used by CurveCluster " + claim->second->cluster});
        continue;
      }
      cs.device_class = discovered ? discovered->Class() : "";
      cs.percentage = d.percentage;
      cs.mount_path =
          d.mount_path.empty() ? spec.host_data_dir + "/chunkserver/" + cs.device : d.mount_path;
      cs.failure_domain = FailureDomainOf(node, storage.failure_domain_label, cs.device);
      auto address = node.labels.find(kDeviceAddressLabelPrefix + cs.device);
      if (address != node.labels.end() && !address->second.empty() &&
          address->second != node.address) {
        cs.address = address->second;
        cs.server = node.name + "-" + cs.address;
      } else {
        cs.server = node.name;
      }
      auto domain = server_domains.emplace(cs.server, cs.failure_domain).first;
      if (domain->second != cs.failure_domain) {
        out.problems.push_back(
            {"ServerSpansDomains", where + " is in failure domain " + cs.failure_domain +
                                       " but address " + cs.address + " already serves " +
                                       domain->second + " (label " + kDeviceAddressLabelPrefix +
                                       cs.device + " gives a disk its own address)"});
        continue;
      }
      // Poolset.
      const PoolsetSpec* poolset = nullptr;
      if (!d.poolset.empty() && d.poolset != kDefaultPoolset) {
        for (const auto& p : storage.poolsets) {
          if (p.name == d.poolset) poolset = &p;
        }
      } else if (d.poolset.empty() && !storage.poolsets.empty()) {
        for (const auto& p : storage.poolsets) {
          if (!cs.device_class.empty() && p.type == cs.device_class) {
            poolset = &p;
            break;
          }
        }
        if (poolset == nullptr) {
          out.problems.push_back(
              {"NoPoolsetForDevice",
               where + (cs.device_class.empty()
                            ? " has no discovered class and no poolset"
                            : " is " + cs.device_class + " and no poolset has that type")});
          continue;
        }
      }
      cs.poolset = poolset ? poolset->name : kDefaultPoolset;
      if (poolset && !cs.device_class.empty() && poolset->type != cs.device_class) {
        out.problems.push_back({"DeviceClassMismatch", where + " is " + cs.device_class +
                                                           " but poolset " + poolset->name +
                                                           " is " + poolset->type + "; not used"});
        continue;
      }
      if (node_poolset.empty()) node_poolset = cs.poolset;
      if (cs.poolset != node_poolset) {
        out.problems.push_back({"NodeSpansPoolsets", where + " is in poolset " + cs.poolset +
                                                         " but node " + node.name +
                                                         " already serves poolset " + node_poolset +
                                                         " (one poolset per node); not used"});
        continue;
      }
      placed.push_back(std::move(cs));
    }
  }

  // Ports: keep existing, fill the lowest free ones for new disks.
  std::map<std::string, std::set<int>> used_ports;
  for (auto& cs : placed) {
    auto claim = claimed.find({cs.node, cs.device});
    if (claim != claimed.end() && claim->second->port > 0) {
      cs.port = claim->second->port;
      used_ports[cs.node].insert(cs.port);
    }
  }
  for (auto& cs : placed) {
    if (cs.port != 0) continue;
    int port = storage.port;
    while (used_ports[cs.node].count(port)) ++port;
    if (port >= storage.port + kMaxDisksPerNode) {
      out.problems.push_back(
          {"TooManyDisks", "device " + cs.device_path + " on node " + cs.node + ": more than " +
                               std::to_string(kMaxDisksPerNode) + " disks on one node"});
      cs.port = -1;
      continue;
    }
    cs.port = port;
    used_ports[cs.node].insert(port);
  }
  std::erase_if(placed, [](const auto& cs) { return cs.port < 0; });
  std::sort(placed.begin(), placed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.node, a.device) < std::tie(b.node, b.device);
  });

  // Poolsets and their spread.
  std::vector<PoolsetPlacement> poolsets;
  for (const auto& p : storage.poolsets) poolsets.push_back({p.name, p.type, {}, 0});
  bool uses_default = std::any_of(placed.begin(), placed.end(),
                                  [](const auto& cs) { return cs.poolset == kDefaultPoolset; });
  if (uses_default || storage.poolsets.empty()) poolsets.push_back({kDefaultPoolset, "", {}, 0});
  for (auto& p : poolsets) {
    std::set<std::string> domains;
    for (const auto& cs : placed) {
      if (cs.poolset != p.name) continue;
      ++p.chunkservers;
      domains.insert(cs.failure_domain);
    }
    p.failure_domains.assign(domains.begin(), domains.end());
    if (p.failure_domains.size() < static_cast<size_t>(kMinFailureDomains)) {
      out.underspread_poolsets.push_back(p.name);
      out.problems.push_back(
          {"PoolsetUnderspread",
           "poolset " + p.name + " spans " + std::to_string(p.failure_domains.size()) +
               " failure domain(s) (" +
               (p.failure_domains.empty() ? std::string("none") : Join(p.failure_domains)) +
               ") by label " + storage.failure_domain_label + "; needs " +
               std::to_string(kMinFailureDomains)});
    }
  }
  out.chunkservers = std::move(placed);
  out.poolsets = std::move(poolsets);
  return out;
}

}  // namespace curve::op
