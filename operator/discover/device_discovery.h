#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "operator/api/node_inventory.h"
#include "operator/k8s/kube_client.h"

namespace curve::op {

// Where DiscoverDevices looks; tests point these at a fake tree.
struct DiscoveryPaths {
  std::string sys_block = "/sys/block";
  std::string dev = "/dev";               // device nodes and the udev links under disk/by-*
  std::string mounts = "/proc/1/mounts";  // the host's mount table (hostPID or hostPath)
};

// The node's block devices as the discovery report lists them (sorted by name), read without
// touching any disk: size, rotational flag and model from sysfs, the file system or partition
// table from the signatures in the first 68 KiB of the device (opened read-only, as blkid does),
// the mount point of the device or of one of its partitions, and the /dev/disk/by-id and by-path
// links to it. Virtual devices (no `device` entry in sysfs: loop, ram, dm-*, md*) and removable
// ones are left out. A device whose signature cannot be read is reported with fstype "unknown"
// (never claimed by useAllDevices). NotFound when sys_block is missing.
Result<std::vector<DiscoveredDevice>> DiscoverDevices(const DiscoveryPaths& paths);

// The file system or partition table whose signature `head` (the first bytes of a device) holds,
// as blkid names it: ext2/ext3/ext4, xfs, btrfs, swap, LVM2_member, crypto_LUKS, vfat, gpt, dos;
// "" when none is recognised.
std::string ProbeSignature(const std::string& head);

// Sets the node annotation curve.io/discovered-devices to `report` with a merge patch, unless
// the node already carries exactly that (no write). Returns whether it wrote.
Result<bool> PublishDiscoveryReport(k8s::KubeClient& client, const std::string& node,
                                    const std::string& report);

}  // namespace curve::op
