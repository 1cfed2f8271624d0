#include "operator/cluster/desired_state.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <unistd.h>

#include "operator/chunkserver/chunkserver_builder.h"
#include "operator/k8s/object_meta.h"

namespace curve::op {
namespace {

DiscoveredDevice Disk(const std::string& name, bool rotational) {
  DiscoveredDevice d;
  d.name = name;
  d.rotational = rotational;
  return d;
}

NodeInfo Node(const std::string& name, const std::string& zone,
              std::vector<DiscoveredDevice> disks) {
  NodeInfo n;
  n.name = name;
  n.labels[kDefaultFailureDomainLabel] = zone;
  n.address = "10.0.0." + std::to_string(name.back() - '0');
  n.has_report = true;
  n.devices = std::move(disks);
  return n;
}

BuildContext Context(ClusterSpec spec, const std::vector<NodeInfo>& nodes) {
  BuildContext ctx;
  ctx.cluster = {{"apiVersion", kApiVersion},
                 {"kind", kKind},
                 {"metadata", {{"name", "c1"}, {"namespace", "curve"}, {"uid", "uid-1"}}}};
  ctx.spec = std::move(spec);
  for (const auto& n : nodes) ctx.nodes[n.name] = n;
  ctx.placement = ComputePlacement(ctx.spec, "curve/c1", nodes, {});
  return ctx;
}

ClusterSpec ThreeNodeSpec() {
  ClusterSpec spec;
  spec.image = "curvebs:v1.2";
  spec.nodes = {"n1", "n2", "n3"};
  spec.storage.nodes = {"n1", "n2", "n3"};
  spec.storage.devices = {{"/dev/sdb", "", 80, ""}};
  return spec;
}

std::vector<NodeInfo> ThreeNodes() {
  return {Node("n1", "z1", {Disk("sdb", false), Disk("sdc", false)}),
          Node("n2", "z2", {Disk("sdb", false), Disk("sdc", false)}),
          Node("n3", "z3", {Disk("sdb", false), Disk("sdc", false)})};
}

std::map<std::string, Json> ByKey(const std::vector<DesiredObject>& objects) {
  std::map<std::string, Json> out;
  for (const auto& o : objects) {
    std::string key = o.object["kind"].get<std::string>() + "/" + k8s::Name(o.object);
    EXPECT_FALSE(out.count(key)) << "duplicate " << key;
    out[key] = o.object;
  }
  return out;
}

std::string PinnedNode(const Json& workload) {
  return workload["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]
                 ["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
                 ["matchExpressions"][0]["values"][0];
}

TEST(DesiredStateTest, ThreeNodeCluster) {
  auto objects = ByKey(BuildDesiredState(Context(ThreeNodeSpec(), ThreeNodes())));
  for (const auto& [key, object] : objects) {
    SCOPED_TRACE(key);
    EXPECT_EQ(k8s::Namespace(object), "curve");
    EXPECT_TRUE(k8s::IsOwnedBy(object, "uid-1"));
    EXPECT_EQ(k8s::ControllerOf(object)["kind"], "CurveCluster");
    EXPECT_LE(k8s::Name(object).size(), 63u);
  }
  // etcd and MDS: 3 each on distinct nodes with stable names.
  for (std::string role : {"etcd", "mds"}) {
    std::set<std::string> nodes;
    for (std::string id : {"a", "b", "c"}) {
      auto it = objects.find("Deployment/c1-" + role + "-" + id);
      ASSERT_NE(it, objects.end()) << role << id;
      nodes.insert(PinnedNode(it->second));
      EXPECT_EQ(it->second["spec"]["template"]["spec"]["hostNetwork"], true);
    }
    EXPECT_EQ(nodes.size(), 3u) << role;
    EXPECT_TRUE(objects.count("PodDisruptionBudget/c1-" + role));
    EXPECT_TRUE(objects.count("Service/c1-" + role));
    EXPECT_TRUE(objects.count("ConfigMap/c1-" + role + "-config"));
  }
  EXPECT_NE(objects["ConfigMap/c1-etcd-config"]["data"]["etcd.conf"].get<std::string>().find(
                "initial-cluster: \"c1-etcd-a=http://10.0.0.1:2380,c1-etcd-b=http://10.0.0.2:2380,"
                "c1-etcd-c=http://10.0.0.3:2380"),
            std::string::npos);
  // One prepare Job and one chunkserver per disk, pinned to the disk's node.
  for (std::string n : {"n1", "n2", "n3"}) {
    const Json& cs = objects["Deployment/c1-chunkserver-" + n + "-sdb"];
    ASSERT_TRUE(cs.is_object()) << n;
    EXPECT_EQ(PinnedNode(cs), n);
    EXPECT_EQ(cs["metadata"]["labels"]["curve.io/device"], "sdb");
    EXPECT_EQ(cs["metadata"]["annotations"]["curve.io/port"], "8200");
    const Json& job = objects["Job/c1-prepare-" + n + "-sdb"];
    ASSERT_TRUE(job.is_object()) << n;
    EXPECT_EQ(PinnedNode(job), n);
  }
  EXPECT_FALSE(objects.count("Deployment/c1-snapshotclone-a"));
}

TEST(DesiredStateTest, JobsAreCreateOnlyAndScriptNeverReformats) {
  for (const auto& o : BuildDesiredState(Context(ThreeNodeSpec(), ThreeNodes()))) {
    EXPECT_EQ(o.create_only, o.object["kind"] == "Job") << k8s::Name(o.object);
  }
  std::string script = PrepareScript();
  EXPECT_NE(script.find("if [ -z \"$fstype\" ]"), std::string::npos);
  EXPECT_NE(script.find(".curve-formatted"), std::string::npos);
}

TEST(DesiredStateTest, GrowthKeepsExistingObjectsIdentical) {
  auto before = ByKey(BuildDesiredState(Context(ThreeNodeSpec(), ThreeNodes())));
  ClusterSpec grown = ThreeNodeSpec();
  grown.storage.devices.push_back({"/dev/sdc", "", 80, ""});
  grown.storage.nodes.push_back("n4");
  auto nodes = ThreeNodes();
  nodes.push_back(Node("n4", "z1", {Disk("sdb", false), Disk("sdc", false)}));
  auto after = ByKey(BuildDesiredState(Context(grown, nodes)));
  for (const auto& [key, object] : before) {
    ASSERT_TRUE(after.count(key)) << key;
    EXPECT_EQ(after[key], object) << key;
  }
  EXPECT_EQ(after.size(), before.size() + 5 * 2);  // n1-n3 gain sdc, n4 gets sdb and sdc
  EXPECT_TRUE(after.count("Deployment/c1-chunkserver-n4-sdc"));
}

TEST(DesiredStateTest, Deterministic) {
  auto a = BuildDesiredState(Context(ThreeNodeSpec(), ThreeNodes()));
  auto b = BuildDesiredState(Context(ThreeNodeSpec(), ThreeNodes()));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].object, b[i].object);
}

// Streamed in apply order, role by role (etcd, MDS, chunkservers, snapshotclone), each disk's
// prepare Job just before its chunkserver Deployment: a reconcile applies them as they come.
TEST(DesiredStateTest, ForEachDesiredObjectStreamsInApplyOrder) {
  ClusterSpec spec = ThreeNodeSpec();
  spec.snapshot_clone_enabled = true;
  S3Spec s3;
  s3.nos_address = "http://s3:9000";
  s3.bucket_name = "b";
  spec.s3 = s3;
  BuildContext ctx = Context(spec, ThreeNodes());
  std::vector<std::string> components;
  std::vector<std::string> kinds;
  ForEachDesiredObject(ctx, [&](DesiredObject o) {
    components.push_back(o.object["metadata"]["labels"]["app.kubernetes.io/component"]);
    kinds.push_back(o.object["kind"].get<std::string>() + "/" + k8s::Name(o.object));
  });
  auto all = BuildDesiredState(ctx);
  ASSERT_EQ(kinds.size(), all.size());
  std::vector<std::string> roles;
  for (const auto& c : components) {
    if (c != "prepare" && (roles.empty() || roles.back() != c)) roles.push_back(c);
  }
  EXPECT_EQ(roles, (std::vector<std::string>{"etcd", "mds", "chunkserver", "snapshotclone"}));
  int pairs = 0;
  for (size_t i = 0; i + 1 < kinds.size(); ++i) {
    if (kinds[i].rfind("Job/c1-prepare-", 0) != 0) continue;
    EXPECT_EQ(kinds[i + 1], "Deployment/c1-chunkserver-" + kinds[i].substr(15));
    ++pairs;
  }
  EXPECT_EQ(pairs, 3);
}

TEST(DesiredStateTest, SnapshotCloneKeysNeverInConfigMaps) {
  ClusterSpec spec = ThreeNodeSpec();
  spec.snapshot_clone_enabled = true;
  S3Spec s3;
  s3.nos_address = "http://s3:9000";
  s3.bucket_name = "b";
  s3.plain_ak = "AKIAPLAIN";
  s3.plain_sk = "SECRETPLAIN";
  spec.s3 = s3;
  auto objects = ByKey(BuildDesiredState(Context(spec, ThreeNodes())));
  ASSERT_TRUE(objects.count("Secret/c1-s3-credentials"));
  EXPECT_EQ(objects["Secret/c1-s3-credentials"]["stringData"]["accessKey"], "AKIAPLAIN");
  for (const auto& [key, object] : objects) {
    if (object["kind"] == "Secret") continue;
    EXPECT_EQ(object.dump().find("SECRETPLAIN"), std::string::npos) << key;
  }
  const Json& pod = objects["Deployment/c1-snapshotclone-a"]["spec"]["template"]["spec"];
  EXPECT_EQ(pod["containers"][0]["env"][1]["valueFrom"]["secretKeyRef"]["name"],
            "c1-s3-credentials");
  EXPECT_TRUE(objects.count("Service/c1-snapshotclone"));
}

TEST(DesiredStateTest, TopologyFromPlacement) {
  std::vector<NodeInfo> nodes;
  ClusterSpec spec;
  spec.image = "i";
  spec.nodes = {"s1", "s2", "s3"};
  for (int z = 1; z <= 3; ++z) {
    nodes.push_back(Node("s" + std::to_string(z), "z" + std::to_string(z), {Disk("sdb", false)}));
    nodes.push_back(
        Node("h" + std::to_string(z + 3), "z" + std::to_string(z), {Disk("sdb", true)}));
    spec.storage.nodes.push_back(nodes[nodes.size() - 2].name);
    spec.storage.nodes.push_back(nodes.back().name);
  }
  spec.storage.use_all_devices = true;
  spec.storage.copysets = 50;
  spec.storage.poolsets = {{"fast", "ssd"}, {"bulk", "hdd"}};
  auto request = BuildTopology(Context(spec, nodes));
  ASSERT_EQ(request.poolsets_size(), 2);
  EXPECT_EQ(request.poolsets(1).type(), "hdd");
  ASSERT_EQ(request.physical_pools_size(), 2);
  EXPECT_EQ(request.physical_pools(0).name(), "fast-pool");
  EXPECT_EQ(request.physical_pools(0).copysets_per_chunkserver(), 50u);
  ASSERT_EQ(request.servers_size(), 6);
  for (const auto& s : request.servers()) {
    EXPECT_EQ(s.physical_pool(), s.name()[0] == 's' ? "fast-pool" : "bulk-pool") << s.name();
    EXPECT_FALSE(s.zone().empty());
  }
}

// One node standing in for three zones: each loop disk has its own failure domain and
// address label, so it is an MDS server of its own, and its chunkserver listens and is probed
// on that address.
TEST(DesiredStateTest, OneNodeThreeZonesThroughDiskLabels) {
  NodeInfo node = Node("n1", "z0", {});
  ClusterSpec spec;
  spec.image = "i";
  spec.nodes = {"n1"};
  spec.storage.nodes = {"n1"};
  for (int i = 0; i < 3; ++i) {
    std::string disk = "loop" + std::to_string(i);
    spec.storage.devices.push_back({"/dev/" + disk, "", 80, ""});
    node.labels[std::string(kDeviceFailureDomainLabelPrefix) + disk] = "z" + std::to_string(i);
    node.labels[std::string(kDeviceAddressLabelPrefix) + disk] = "127.0.1." + std::to_string(i);
  }
  BuildContext ctx = Context(spec, {node});
  EXPECT_TRUE(ctx.placement.problems.empty()) << ctx.placement.problems[0].message;
  auto request = BuildTopology(ctx);
  ASSERT_EQ(request.servers_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(request.servers(i).name(), "n1-127.0.1." + std::to_string(i));
    EXPECT_EQ(request.servers(i).host(), "127.0.1." + std::to_string(i));
    EXPECT_EQ(request.servers(i).zone(), "z" + std::to_string(i));
  }
  auto objects = ByKey(BuildChunkservers(ctx));
  const Json& container =
      objects["Deployment/c1-chunkserver-n1-loop1"]["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["readinessProbe"]["tcpSocket"]["host"], "127.0.1.1");
  EXPECT_NE(container["args"].dump().find("--listen=127.0.1.1:8201"), std::string::npos)
      << container["args"].dump();

  // Two disks on one address in two domains would make one server span two zones.
  node.labels[std::string(kDeviceAddressLabelPrefix) + "loop2"] = "127.0.1.1";
  Placement p = ComputePlacement(spec, "curve/c1", {node}, {});
  ASSERT_EQ(p.chunkservers.size(), 2u);
  ASSERT_FALSE(p.problems.empty());
  EXPECT_EQ(p.problems[0].reason, "ServerSpansDomains");
  EXPECT_NE(p.problems[0].message.find("device /dev/loop2 on node n1 is in failure domain z2 but "
                                       "address 127.0.1.1 already serves z1"),
            std::string::npos)
      << p.problems[0].message;
}

// Regression: the prepare Job once tested `mountpoint -q` on its hostPath volume, which is always
// a mount point inside the container, so it never mounted the disk and `curve chunkserver
// format` filled the host's root file system. Runs the script with stub tools whose mount does
// nothing: it must refuse to format.
TEST(DesiredStateTest, PrepareScriptNeverFormatsWhenTheDiskIsNotMounted) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("prepare_test_" + std::to_string(::getpid()));
  fs::create_directories(dir / "bin");
  auto stub = [&](const std::string& name, const std::string& body) {
    std::ofstream(dir / "bin" / name) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(dir / "bin" / name, fs::perms::owner_all);
  };
  stub("findmnt", "exit 1");     // DEVICE is never mounted at MOUNT_PATH
  stub("mountpoint", "exit 0");  // the hostPath volume is a mount point
  stub("blkid", "echo ext4");
  stub("mount", "exit 0");  // ... and mounting "succeeds" silently
  stub("curve", "touch \"" + (dir / "formatted").string() + "\"");
  std::ofstream(dir / "prepare.sh") << PrepareScript();
  std::string command = "PATH=" + (dir / "bin").string() + ":/usr/bin:/bin DEVICE=/dev/sdz " +
                        "MOUNT_PATH=" + (dir / "data").string() + " PERCENTAGE=80 /bin/sh " +
                        (dir / "prepare.sh").string() + " >/dev/null 2>&1";
  int rc = std::system(command.c_str());
  EXPECT_NE(rc, 0);
  EXPECT_FALSE(fs::exists(dir / "formatted")) << "formatted a directory the disk is not mounted on";
  EXPECT_FALSE(fs::exists(dir / "data" / ".curve-formatted"));
  fs::remove_all(dir);
}

TEST(ObjectNameTest, LongNamesAreCutWithAHash) {
  std::string a = ObjectName({"cluster", "chunkserver", std::string(60, 'x'), "sdb"});
  std::string b = ObjectName({"cluster", "chunkserver", std::string(60, 'x'), "sdc"});
  EXPECT_LE(a.size(), 63u);
  EXPECT_NE(a, b);
  EXPECT_EQ(ObjectName({"C1", "nvme0n1", "node.example.com"}), "c1-nvme0n1-node-example-com");
}

}  // namespace
}  // namespace curve::op
