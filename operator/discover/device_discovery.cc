#include "operator/discover/device_discovery.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "operator/k8s/resource.h"

namespace curve::op {
namespace {

namespace fs = std::filesystem;

// Signatures live within the first 64 KiB + the btrfs superblock.
constexpr size_t kProbeBytes = 68 * 1024;

std::string ReadTrimmed(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return text;
}

bool At(const std::string& head, size_t offset, std::string_view magic) {
  return head.size() >= offset + magic.size() && head.compare(offset, magic.size(), magic) == 0;
}

uint32_t Le32(const std::string& head, size_t offset) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = value << 8 | static_cast<unsigned char>(head[offset + i]);
  return value;
}

// The first kProbeBytes of `path`, read-only; nullopt when it cannot be opened or read.
std::optional<std::string> ReadHead(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string head(kProbeBytes, '\0');
  size_t got = 0;
  while (got < head.size()) {
    ssize_t n = ::pread(fd, head.data() + got, head.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  head.resize(got);
  return head;
}

// mount source -> mount point, for sources under /dev.
std::vector<std::pair<std::string, std::string>> ReadMounts(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> mounts;
  std::ifstream in(path);
  std::string source, target, rest;
  while (in >> source >> target && std::getline(in, rest)) {
    if (source.rfind("/dev/", 0) == 0) mounts.emplace_back(source, target);
  }
  return mounts;
}

// The partitions of disk `name` (sysfs subdirectories holding a `partition` file).
std::vector<std::string> Partitions(const fs::path& disk, const std::string& name) {
  std::vector<std::string> parts;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(disk, ec)) {
    std::string child = entry.path().filename().string();
    if (child.rfind(name, 0) == 0 && fs::exists(entry.path() / "partition", ec)) {
      parts.push_back(child);
    }
  }
  return parts;
}

// "/dev/disk/by-id/x" for every link under <dev>/disk/by-id and by-path resolving to `target`.
std::vector<std::string> Links(const std::string& dev, const fs::path& target) {
  std::vector<std::string> links;
  std::error_code ec;
  fs::path resolved = fs::canonical(target, ec);
  if (ec) return links;
  for (const char* dir : {"by-id", "by-path"}) {
    for (const auto& entry : fs::directory_iterator(fs::path(dev) / "disk" / dir, ec)) {
      std::error_code link_ec;
      if (fs::canonical(entry.path(), link_ec) == resolved && !link_ec) {
        links.push_back(std::string("/dev/disk/") + dir + "/" + entry.path().filename().string());
      }
    }
  }
  std::sort(links.begin(), links.end());
  return links;
}

}  // namespace

std::string ProbeSignature(const std::string& head) {
  if (head.size() > 1081 && static_cast<unsigned char>(head[1080]) == 0x53 &&
      static_cast<unsigned char>(head[1081]) == 0xEF) {
    // ext superblock at 1024: s_feature_compat at +92, s_feature_incompat at +96.
    uint32_t compat = Le32(head, 1024 + 92), incompat = Le32(head, 1024 + 96);
    if (incompat & (0x40 | 0x80 | 0x200)) return "ext4";  // extents, 64bit, flex_bg
    return (compat & 0x4) ? "ext3" : "ext2";              // has_journal
  }
  if (At(head, 0, "XFSB")) return "xfs";
  if (At(head, 65536 + 64, "_BHRfS_M")) return "btrfs";
  if (At(head, 4086, "SWAPSPACE2") || At(head, 4086, "SWAP-SPACE")) return "swap";
  if (At(head, 0, "LUKS\xba\xbe")) return "crypto_LUKS";
  for (size_t sector = 0; sector < 4; ++sector) {
    if (At(head, sector * 512, "LABELONE") && At(head, sector * 512 + 24, "LVM2 001")) {
      return "LVM2_member";
    }
  }
  bool boot_signature = head.size() >= 512 && static_cast<unsigned char>(head[510]) == 0x55 &&
                        static_cast<unsigned char>(head[511]) == 0xAA;
  if (boot_signature &&
      (At(head, 82, "FAT32   ") || At(head, 54, "FAT16   ") || At(head, 54, "FAT12   "))) {
    return "vfat";
  }
  if (At(head, 512, "EFI PART")) return "gpt";
  if (boot_signature) return "dos";
  return "";
}

Result<std::vector<DiscoveredDevice>> DiscoverDevices(const DiscoveryPaths& paths) {
  std::error_code ec;
  fs::directory_iterator it(paths.sys_block, ec);
  if (ec) return NotFoundError("discovery: cannot list " + paths.sys_block + ": " + ec.message());
  auto mounts = ReadMounts(paths.mounts);
  std::vector<DiscoveredDevice> devices;
  for (const auto& entry : it) {
    const fs::path disk = entry.path();
    const std::string name = disk.filename().string();
    std::error_code exists_ec;
    if (!fs::exists(disk / "device", exists_ec) || ReadTrimmed(disk / "removable") == "1") {
      continue;
    }
    DiscoveredDevice device;
    device.name = name;
    device.size_bytes = std::strtoull(ReadTrimmed(disk / "size").c_str(), nullptr, 10) * 512;
    device.rotational = ReadTrimmed(disk / "queue" / "rotational") == "1";
    device.model = ReadTrimmed(disk / "device" / "model");
    auto head = ReadHead(paths.dev + "/" + name);
    device.fstype = head ? ProbeSignature(*head) : "unknown";
    std::vector<std::string> sources = {"/dev/" + name};
    for (const auto& part : Partitions(disk, name)) sources.push_back("/dev/" + part);
    for (const auto& [source, target] : mounts) {
      if (std::find(sources.begin(), sources.end(), source) != sources.end()) {
        device.mountpoint = target;
        break;
      }
    }
    device.links = Links(paths.dev, fs::path(paths.dev) / name);
    devices.push_back(std::move(device));
  }
  std::sort(devices.begin(), devices.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return devices;
}

Result<bool> PublishDiscoveryReport(k8s::KubeClient& client, const std::string& node,
                                    const std::string& report) {
  CURVE_ASSIGN_OR_RETURN(Json object, client.Get(k8s::resources::kNodes, "", node));
  const Json annotations =
      object.value("metadata", Json::object()).value("annotations", Json::object());
  if (annotations.value(kDiscoveredDevicesAnnotation, "") == report) return false;
  Json patch = {{"metadata", {{"annotations", {{kDiscoveredDevicesAnnotation, report}}}}}};
  CURVE_RETURN_IF_ERROR(client.MergePatch(k8s::resources::kNodes, "", node, patch).status());
  return true;
}

}  // namespace curve::op
