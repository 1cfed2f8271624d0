#include "operator/discover/device_discovery.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/testing/subprocess.h"
#include "operator/k8s/fake_kube_client.h"
#include "operator/k8s/resource.h"

namespace curve::op {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A device image of `size` zero bytes with `magic` written at `offset`.
std::string Image(size_t offset, const std::string& magic, size_t size = 70 * 1024) {
  std::string image(size, '\0');
  image.replace(offset, magic.size(), magic);
  return image;
}

// An ext superblock magic with the given feature words (compat at +92, incompat at +96).
std::string ExtImage(uint32_t compat, uint32_t incompat) {
  std::string image = Image(1080, "\x53\xEF");
  for (int i = 0; i < 4; ++i) {
    image[1024 + 92 + i] = static_cast<char>(compat >> (8 * i));
    image[1024 + 96 + i] = static_cast<char>(incompat >> (8 * i));
  }
  return image;
}

// A fake /sys/block + /dev + mount table.
class FakeHost {
 public:
  FakeHost() {
    paths_.sys_block = dir_.path() + "/sys/block";
    paths_.dev = dir_.path() + "/dev";
    paths_.mounts = dir_.path() + "/mounts";
    fs::create_directories(paths_.sys_block);
    fs::create_directories(paths_.dev + "/disk/by-id");
    Write(paths_.mounts, "");
  }
  // A disk in sysfs; `physical` false makes it virtual (no device entry).
  void Disk(const std::string& name, uint64_t sectors, bool rotational, const std::string& model,
            const std::string& image, bool physical = true, bool removable = false) {
    fs::path d = fs::path(paths_.sys_block) / name;
    Write(d / "size", std::to_string(sectors) + "\n");
    Write(d / "queue" / "rotational", rotational ? "1\n" : "0\n");
    Write(d / "removable", removable ? "1\n" : "0\n");
    if (physical) Write(d / "device" / "model", model + "   \n");
    Write(fs::path(paths_.dev) / name, image);
  }
  void Partition(const std::string& disk, const std::string& part) {
    Write(fs::path(paths_.sys_block) / disk / part / "partition", "1\n");
  }
  void Link(const std::string& by_id, const std::string& name) {
    fs::create_symlink("../../" + name, fs::path(paths_.dev) / "disk" / "by-id" / by_id);
  }
  void Mount(const std::string& source, const std::string& target) {
    std::ofstream(paths_.mounts, std::ios::app) << source << " " << target << " ext4 rw 0 0\n";
  }
  const DiscoveryPaths& paths() const { return paths_; }

 private:
  curve::testing::TempDir dir_;
  DiscoveryPaths paths_;
};

TEST(ProbeSignatureTest, RecognisesFileSystemsAndPartitionTables) {
  struct Case {
    std::string name, head, want;
  } cases[] = {
      {"blank", std::string(70 * 1024, '\0'), ""},
      {"short blank", std::string(100, '\0'), ""},
      {"ext2", ExtImage(0, 0), "ext2"},
      {"ext3", ExtImage(0x4, 0x2), "ext3"},
      {"ext4", ExtImage(0x4, 0x2 | 0x40), "ext4"},
      {"xfs", Image(0, "XFSB"), "xfs"},
      {"btrfs", Image(65536 + 64, "_BHRfS_M"), "btrfs"},
      {"swap", Image(4086, "SWAPSPACE2"), "swap"},
      {"luks", Image(0, "LUKS\xba\xbe"), "crypto_LUKS"},
      {"lvm", Image(512 + 24, "LVM2 001").replace(512, 8, "LABELONE"), "LVM2_member"},
      {"gpt", Image(510, "\x55\xAA").replace(512, 8, "EFI PART"), "gpt"},
      {"dos", Image(510, "\x55\xAA"), "dos"},
      {"vfat", Image(510, "\x55\xAA").replace(82, 8, "FAT32   "), "vfat"},
  };
  for (const auto& c : cases) EXPECT_EQ(ProbeSignature(c.head), c.want) << c.name;
}

TEST(DiscoverDevicesTest, ReportsPhysicalDisksWithoutTouchingThem) {
  FakeHost host;
  host.Disk("sdb", 2'000'000, /*rotational=*/true, "ST1000NM", std::string(70 * 1024, '\0'));
  host.Disk("sda", 1'000'000, false, "SAMSUNG MZ7", ExtImage(0x4, 0x40));
  host.Disk("nvme0n1", 4'000'000, false, "INTEL SSDPE", Image(510, "\x55\xAA"));
  host.Partition("nvme0n1", "nvme0n1p1");
  host.Disk("loop0", 100, false, "", std::string(4096, '\0'), /*physical=*/false);
  host.Disk("sr0", 100, false, "DVD", std::string(4096, '\0'), true, /*removable=*/true);
  host.Disk("sdc", 100, true, "GONE", "", true);
  std::filesystem::remove(host.paths().dev + "/sdc");  // listed in sysfs, node unreadable
  host.Link("wwn-0x5000c500a1b2c3d4", "sdb");
  host.Link("ata-ST1000NM_Z1", "sdb");
  host.Mount("/dev/sda", "/");
  host.Mount("/dev/nvme0n1p1", "/var/lib/data");
  const std::string before = [&] {
    std::ifstream in(host.paths().dev + "/sda", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();

  auto devices = DiscoverDevices(host.paths());
  ASSERT_TRUE(devices.ok()) << devices.status();
  ASSERT_EQ(devices->size(), 4u);
  const auto& nvme = (*devices)[0];
  EXPECT_EQ(nvme.name, "nvme0n1");
  EXPECT_EQ(nvme.size_bytes, 4'000'000ull * 512);
  EXPECT_EQ(nvme.fstype, "dos");
  EXPECT_EQ(nvme.mountpoint, "/var/lib/data");
  EXPECT_EQ(nvme.Class(), "nvme");
  const auto& sda = (*devices)[1];
  EXPECT_EQ(sda.name, "sda");
  EXPECT_FALSE(sda.rotational);
  EXPECT_EQ(sda.model, "SAMSUNG MZ7");
  EXPECT_EQ(sda.fstype, "ext4");
  EXPECT_EQ(sda.mountpoint, "/");
  EXPECT_EQ(sda.Class(), "ssd");
  const auto& sdb = (*devices)[2];
  EXPECT_EQ(sdb.name, "sdb");
  EXPECT_EQ(sdb.size_bytes, 2'000'000ull * 512);
  EXPECT_TRUE(sdb.rotational);
  EXPECT_EQ(sdb.model, "ST1000NM");
  EXPECT_EQ(sdb.fstype, "");
  EXPECT_EQ(sdb.mountpoint, "");
  EXPECT_EQ(sdb.links, (std::vector<std::string>{"/dev/disk/by-id/ata-ST1000NM_Z1",
                                                 "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4"}));
  EXPECT_EQ(sdb.Class(), "hdd");
  EXPECT_EQ((*devices)[3].name, "sdc");
  EXPECT_EQ((*devices)[3].fstype, "unknown");

  std::ifstream in(host.paths().dev + "/sda", std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), before) << "a disk was written";

  // The report round-trips through the annotation format the operator parses.
  auto parsed = ParseDiscoveryReport(FormatDiscoveryReport(*devices));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 4u);
  EXPECT_EQ((*parsed)[2].links, sdb.links);
  EXPECT_EQ((*parsed)[1].fstype, "ext4");
}

TEST(DiscoverDevicesTest, MissingSysBlockIsNotFoundNamingThePath) {
  DiscoveryPaths paths;
  paths.sys_block = "/nonexistent/sys/block";
  auto devices = DiscoverDevices(paths);
  ASSERT_EQ(devices.status().code(), StatusCode::kNotFound);
  EXPECT_NE(devices.status().message().find("/nonexistent/sys/block"), std::string::npos);
}

TEST(PublishDiscoveryReportTest, WritesTheAnnotationOnlyWhenItChanges) {
  k8s::FakeKubeClient client;
  ASSERT_TRUE(client
                  .Create(k8s::resources::kNodes, "",
                          {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "n1"}}}})
                  .ok());
  DiscoveredDevice disk;
  disk.name = "sdb";
  const std::string report = FormatDiscoveryReport({disk});
  int64_t writes = client.writes();
  auto wrote = PublishDiscoveryReport(client, "n1", report);
  ASSERT_TRUE(wrote.ok()) << wrote.status();
  EXPECT_TRUE(*wrote);
  auto node = client.Get(k8s::resources::kNodes, "", "n1");
  ASSERT_TRUE(node.ok());
  EXPECT_EQ((*node)["metadata"]["annotations"][kDiscoveredDevicesAnnotation], report);
  EXPECT_EQ(client.writes(), writes + 1);

  wrote = PublishDiscoveryReport(client, "n1", report);
  ASSERT_TRUE(wrote.ok());
  EXPECT_FALSE(*wrote);
  EXPECT_EQ(client.writes(), writes + 1);

  EXPECT_EQ(PublishDiscoveryReport(client, "absent", report).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace curve::op
