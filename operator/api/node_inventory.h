#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace curve::op {

using Json = nlohmann::json;

// The disk discovery report: a node annotation written by the discovery step (which only reads
// /sys/block and blkid, never touching a disk), read by the operator:
//
//   metadata.annotations["curve.io/discovered-devices"] = JSON
//   {"version": 1,
//    "devices": [{"name": "sdb", "size": 1000204886016, "rotational": true,
//                 "model": "ST1000NM", "fstype": "", "mountpoint": "",
//                 "links": ["/dev/disk/by-id/wwn-0x5000c500a1b2c3d4"]}]}
//
// `name` is the kernel name (no "/dev/"); `fstype` is what blkid reports ("" = no file system);
// `links` are the udev aliases a CR may use instead of the kernel name.
inline constexpr char kDiscoveredDevicesAnnotation[] = "curve.io/discovered-devices";

struct DiscoveredDevice {
  std::string name;
  uint64_t size_bytes = 0;
  bool rotational = false;
  std::string model;
  std::string fstype;
  std::string mountpoint;
  std::vector<std::string> links;

  // "nvme" for nvme* names, else "hdd" when rotational, else "ssd".
  std::string Class() const;
};

// What the operator needs of one Node object.
struct NodeInfo {
  std::string name;
  std::map<std::string, std::string> labels;
  std::string address;  // InternalIP (else the first address; else the name)
  bool has_report = false;
  std::vector<DiscoveredDevice> devices;  // sorted by name
};

// Parses a report (the annotation's value). INVALID_ARGUMENT names the malformed field.
Result<std::vector<DiscoveredDevice>> ParseDiscoveryReport(const std::string& text);
// The inverse, for the discovery step and for tests.
std::string FormatDiscoveryReport(const std::vector<DiscoveredDevice>& devices);

// Reads a core/v1 Node. A malformed report is returned as an error naming the node.
Result<NodeInfo> NodeInfoFromObject(const Json& node);

}  // namespace curve::op
