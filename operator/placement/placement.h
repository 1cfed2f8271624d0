#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "operator/api/cluster_spec.h"
#include "operator/api/node_inventory.h"

namespace curve::op {

// One disk that becomes one chunkserver.
struct ChunkserverPlacement {
  std::string node;
  std::string address;      // the node's address, or the disk's address label (host networking)
  std::string server;       // the MDS server: the node's name, "<node>-<address>" for an override
  std::string device;       // kernel name, "sdb"
  std::string device_path;  // as the CR named it, "/dev/sdb" or a by-id link
  std::string mount_path;
  int percentage = 80;
  std::string poolset;
  std::string device_class;  // discovered class, "" when the node has no report
  std::string failure_domain;
  int port = 0;
};

// A device or node the placement refused, for status conditions and events.
struct PlacementProblem {
  std::string reason;  // CamelCase: DeviceClassMismatch, DeviceClaimedTwice, ...
  std::string message;
};

struct PoolsetPlacement {
  std::string name;
  std::string type;                          // "" for default
  std::vector<std::string> failure_domains;  // sorted
  int chunkservers = 0;
};

struct Placement {
  std::vector<ChunkserverPlacement> chunkservers;  // sorted by (node, device)
  std::vector<PoolsetPlacement> poolsets;          // in spec order; "default" last when used
  // Refusals: the cluster is Degraded while any exists; placed disks are still deployed.
  std::vector<PlacementProblem> problems;
  // Poolsets spanning fewer than 3 failure domains (also reported in `problems`).
  std::vector<std::string> underspread_poolsets;
};

// What was deployed before, so growth never moves an existing chunkserver.
struct ExistingChunkserver {
  std::string node;
  std::string device;  // kernel name
  int port = 0;
  std::string cluster;  // "namespace/name" of the CurveCluster that owns it
};

inline constexpr int kMinFailureDomains = 3;

// Places every selected disk of every storage node (pure and deterministic):
// - storage nodes: storage.selectedNodes[].node, else storage.nodes; a node that does not
//   exist is a problem (NodeNotFound);
// - devices: the node's selected devices, else storage.devices on every node, else (with
//   useAllDevices) every discovered device with no file system and no mount point whose name
//   matches deviceFilter; a listed device is resolved to its kernel name through the node's
//   discovery report (names or /dev/disk/by-* links);
// - a disk is never claimed twice: two entries resolving to one disk, or a disk a chunkserver
//   of another CurveCluster uses (from `existing`), are refused (DeviceClaimedTwice,
//   DeviceClaimedByOtherCluster);
// - poolset: the device's explicit poolset, else the first poolset whose type is the device's
//   discovered class, else "default" when no poolsets are declared; a device with no matching
//   poolset (NoPoolsetForDevice) or whose discovered class contradicts its poolset's type
//   (DeviceClassMismatch) is refused; all chunkservers of a node share one poolset (the MDS
//   maps one server per host), others are refused (NodeSpansPoolsets);
// - failure domain: the node's `failure-domain.curve.io/<device>` label, else its
//   `storage.failureDomainLabel` label, else the node's own name;
// - address: the node's `address.curve.io/<device>` label (an address of that node the
//   chunkserver listens on), else the node's address. The MDS maps one server per host, so
//   disks of one node with their own addresses are servers of their own and may sit in
//   different failure domains: one node standing in for several zones (a single-node test
//   cluster). Disks sharing an address but not a domain are refused (ServerSpansDomains);
// - every poolset must span kMinFailureDomains domains, else PoolsetUnderspread naming the
//   poolset and the domains found;
// - ports: an existing chunkserver of this cluster keeps its port; new ones take the lowest
//   free storage.port + i on their node.
// `cluster` is this CurveCluster's "namespace/name"; `nodes` holds every node of the cluster.
Placement ComputePlacement(const ClusterSpec& spec, const std::string& cluster,
                           const std::vector<NodeInfo>& nodes,
                           const std::vector<ExistingChunkserver>& existing);

// Node labels naming a disk's failure domain and address (kernel name appended).
inline constexpr char kDeviceFailureDomainLabelPrefix[] = "failure-domain.curve.io/";
inline constexpr char kDeviceAddressLabelPrefix[] = "address.curve.io/";

// The failure domain of a disk `device` (kernel name) of a node: its device label, else the
// node's label, else the node's name.
std::string FailureDomainOf(const NodeInfo& node, const std::string& label,
                            const std::string& device);

}  // namespace curve::op
