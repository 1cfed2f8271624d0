#include "operator/api/node_inventory.h"

#include <algorithm>

namespace curve::op {

std::string DiscoveredDevice::Class() const {
  if (name.rfind("nvme", 0) == 0) return "nvme";
  return rotational ? "hdd" : "ssd";
}

Result<std::vector<DiscoveredDevice>> ParseDiscoveryReport(const std::string& text) {
  Json report = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded() || !report.is_object()) {
    return InvalidArgumentError("discovery report: not a JSON object");
  }
  if (!report.contains("devices") || !report["devices"].is_array()) {
    return InvalidArgumentError("discovery report: devices: must be a list");
  }
  std::vector<DiscoveredDevice> devices;
  for (size_t i = 0; i < report["devices"].size(); ++i) {
    const Json& d = report["devices"][i];
    std::string field = "discovery report: devices[" + std::to_string(i) + "]";
    if (!d.is_object() || !d.contains("name") || !d["name"].is_string() ||
        d["name"].get<std::string>().empty()) {
      return InvalidArgumentError(field + ".name: is required");
    }
    DiscoveredDevice device;
    device.name = d["name"].get<std::string>();
    if (device.name.rfind("/dev/", 0) == 0) device.name = device.name.substr(5);
    if (d.contains("size") && d["size"].is_number_unsigned()) {
      device.size_bytes = d["size"].get<uint64_t>();
    }
    if (d.contains("rotational") && d["rotational"].is_boolean()) {
      device.rotational = d["rotational"].get<bool>();
    }
    if (d.contains("model") && d["model"].is_string()) device.model = d["model"];
    if (d.contains("fstype") && d["fstype"].is_string()) device.fstype = d["fstype"];
    if (d.contains("mountpoint") && d["mountpoint"].is_string()) {
      device.mountpoint = d["mountpoint"];
    }
    if (d.contains("links") && d["links"].is_array()) {
      for (const auto& link : d["links"]) {
        if (link.is_string()) device.links.push_back(link.get<std::string>());
      }
    }
    devices.push_back(std::move(device));
  }
  std::sort(devices.begin(), devices.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return devices;
}

std::string FormatDiscoveryReport(const std::vector<DiscoveredDevice>& devices) {
  Json list = Json::array();
  for (const auto& d : devices) {
    list.push_back({{"name", d.name},
                    {"size", d.size_bytes},
                    {"rotational", d.rotational},
                    {"model", d.model},
                    {"fstype", d.fstype},
                    {"mountpoint", d.mountpoint},
                    {"links", d.links}});
  }
  return Json{{"version", 1}, {"devices", list}}.dump();
}

Result<NodeInfo> NodeInfoFromObject(const Json& node) {
  NodeInfo info;
  const Json& meta = node.value("metadata", Json::object());
  info.name = meta.value("name", "");
  if (meta.contains("labels") && meta["labels"].is_object()) {
    for (const auto& [k, v] : meta["labels"].items()) {
      if (v.is_string()) info.labels[k] = v.get<std::string>();
    }
  }
  info.address = info.name;
  if (node.contains("status") && node["status"].contains("addresses")) {
    const Json& addresses = node["status"]["addresses"];
    if (addresses.is_array() && !addresses.empty()) {
      info.address = addresses[0].value("address", info.name);
      for (const auto& a : addresses) {
        if (a.value("type", "") == "InternalIP") {
          info.address = a.value("address", info.name);
          break;
        }
      }
    }
  }
  if (meta.contains("annotations") && meta["annotations"].contains(kDiscoveredDevicesAnnotation)) {
    const Json& text = meta["annotations"][kDiscoveredDevicesAnnotation];
    if (!text.is_string()) {
      return InvalidArgumentError("node " + info.name + ": annotation " +
                                  kDiscoveredDevicesAnnotation + " is not a string");
    }
    auto devices = ParseDiscoveryReport(text.get<std::string>());
    if (!devices.ok()) {
      return InvalidArgumentError("node " + info.name + ": " + devices.status().message());
    }
    info.devices = std::move(devices).value();
    info.has_report = true;
  }
  return info;
}

}  // namespace curve::op
