// The role builders' commands and config files against the daemons' own option parsing
// (daemon_flags.h): every flag and key is one the daemon reads, so the pods would start.
#include "operator/objects/daemon_flags.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/config.h"
#include "operator/chunkserver/chunkserver_builder.h"
#include "operator/cluster/desired_state.h"
#include "operator/k8s/object_meta.h"
#include "services/chunkserver/server/chunk_server_options.h"
#include "services/mds/server/mds_options.h"

namespace curve::op {
namespace {

NodeInfo Node(const std::string& name, const std::string& zone, bool rotational) {
  DiscoveredDevice disk;
  disk.name = "sdb";
  disk.rotational = rotational;
  NodeInfo n;
  n.name = name;
  n.labels[kDefaultFailureDomainLabel] = zone;
  n.address = "10.0.0." + std::to_string(name.back() - '0');
  n.has_report = true;
  n.devices = {disk};
  return n;
}

// Six nodes, ssd and hdd poolsets, and a user MDS setting.
BuildContext MixedCluster() {
  std::vector<NodeInfo> nodes;
  BuildContext ctx;
  ctx.cluster = {{"apiVersion", kApiVersion},
                 {"kind", kKind},
                 {"metadata", {{"name", "c1"}, {"namespace", "curve"}, {"uid", "uid-1"}}}};
  ctx.spec.image = "curvebs:v1";
  ctx.spec.nodes = {"n1", "n2", "n3"};
  for (int i = 1; i <= 6; ++i) {
    std::string name = "n" + std::to_string(i);
    nodes.push_back(Node(name, "z" + std::to_string((i + 1) / 2), i % 2 == 0));
    ctx.spec.storage.nodes.push_back(name);
    ctx.nodes[name] = nodes.back();
  }
  ctx.spec.storage.devices = {{"/dev/sdb", "", 80, ""}};
  ctx.spec.storage.poolsets = {{"fast", "ssd"}, {"bulk", "hdd"}};
  ctx.spec.mds_config = {{"topology.offlineTimeout", "30s"}};
  ctx.placement = ComputePlacement(ctx.spec, "curve/c1", nodes, {});
  EXPECT_TRUE(ctx.placement.problems.empty());
  return ctx;
}

const daemon::DaemonContract& ContractOf(std::string_view component) {
  for (const auto& c : daemon::Contracts()) {
    if (c.component == component) return c;
  }
  ADD_FAILURE() << "no contract for " << component;
  static const daemon::DaemonContract none;
  return none;
}

std::set<std::string> Names(const std::vector<std::string_view>& names) {
  return {names.begin(), names.end()};
}

// Flag names of "--name=value" arguments.
std::set<std::string> FlagNames(const std::vector<std::string>& args) {
  std::set<std::string> names;
  for (const auto& a : args) {
    EXPECT_EQ(a.rfind("--", 0), 0u) << a;
    names.insert(a.substr(2, a.find('=') - 2));
  }
  return names;
}

// Top-level keys of a ConfigFile() text.
std::set<std::string> ConfigKeys(const std::string& text) {
  std::set<std::string> keys;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end - start);
    if (!line.empty()) keys.insert(line.substr(0, line.find(": ")));
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return keys;
}

// Loads `Options` the way the daemon's main does, from `argv` (without argv[0]) with --config
// pointing at a file holding `config_text`.
template <typename Options>
Status LoadAsDaemon(std::vector<std::string> args, const std::string& config_text) {
  auto path = std::filesystem::temp_directory_path() /
              ("daemon-flags-test-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(path) << config_text;
  std::vector<const char*> argv = {"daemon"};
  for (auto& a : args) {
    if (a.rfind("--config=", 0) == 0) a = "--config=" + path.string();
    argv.push_back(a.c_str());
  }
  auto command_line = config::ParseCommandLine(static_cast<int>(argv.size()), argv.data());
  if (!command_line.ok()) return command_line.status();
  Options options;
  Status status = config::LoadOptions(*command_line, {"log-level", "log-file"}, &options);
  std::filesystem::remove(path);
  return status;
}

std::vector<std::string> Strings(const Json& array) {
  return array.get<std::vector<std::string>>();
}

struct Built {
  std::map<std::string, Json> deployments;  // name -> Deployment
  std::map<std::string, Json> config_maps;  // name -> data
};

Built Build() {
  Built built;
  for (const auto& o : BuildDesiredState(MixedCluster())) {
    if (o.object["kind"] == "Deployment") built.deployments[k8s::Name(o.object)] = o.object;
    if (o.object["kind"] == "ConfigMap") built.config_maps[k8s::Name(o.object)] = o.object["data"];
  }
  return built;
}

const Json& Container(const Json& deployment) {
  return deployment["spec"]["template"]["spec"]["containers"][0];
}

TEST(DaemonFlagsTest, MdsPodsUseExactlyTheContractAndCurveMdsAcceptsThem) {
  Built built = Build();
  const auto& contract = ContractOf("mds");
  const std::string config = built.config_maps.at("c1-mds-config")["mds.conf"];
  // The operator's keys plus the user's spec.mds.config.
  std::set<std::string> keys = Names(contract.config_keys);
  keys.insert("topology.offlineTimeout");
  EXPECT_EQ(ConfigKeys(config), keys) << config;
  int members = 0;
  for (const auto& [name, d] : built.deployments) {
    if (name.rfind("c1-mds-", 0) != 0) continue;
    ++members;
    const Json& c = Container(d);
    EXPECT_EQ(Strings(c["command"]), std::vector<std::string>{std::string(contract.binary)});
    auto args = Strings(c["args"]);
    EXPECT_EQ(FlagNames(args), Names(contract.flags)) << name;
    Status status = LoadAsDaemon<mds::MdsOptions>(args, config);
    EXPECT_TRUE(status.ok()) << name << ": " << status;
  }
  EXPECT_EQ(members, 3);
}

TEST(DaemonFlagsTest, ChunkserverPodsUseExactlyTheContractAndCurveChunkserverAcceptsThem) {
  Built built = Build();
  const auto& contract = ContractOf("chunkserver");
  const std::string config = built.config_maps.at("c1-chunkserver-config")["chunkserver.conf"];
  EXPECT_EQ(ConfigKeys(config), Names(contract.config_keys)) << config;
  std::map<std::string, std::string> disk_types;  // node -> --diskType
  for (const auto& [name, d] : built.deployments) {
    if (name.rfind("c1-chunkserver-", 0) != 0) continue;
    const Json& c = Container(d);
    // sh waits for the prepare Job's marker, then execs "$0" "$@" = the args.
    auto command = Strings(c["command"]);
    ASSERT_EQ(command.size(), 3u) << name;
    EXPECT_NE(command[2].find("exec \"$0\" \"$@\""), std::string::npos) << command[2];
    auto args = Strings(c["args"]);
    ASSERT_FALSE(args.empty());
    EXPECT_EQ(args[0], contract.binary);
    args.erase(args.begin());
    EXPECT_EQ(FlagNames(args), Names(contract.flags)) << name;
    for (const auto& a : args) {
      if (a.rfind("--diskType=", 0) == 0)
        disk_types[d["metadata"]["labels"].value(kLabelNode, "")] = a.substr(11);
    }
    Status status = LoadAsDaemon<chunkserver::ChunkServerOptions>(args, config);
    EXPECT_TRUE(status.ok()) << name << ": " << status;
  }
  EXPECT_EQ(disk_types, (std::map<std::string, std::string>{{"n1", "ssd"},
                                                            {"n2", "hdd"},
                                                            {"n3", "ssd"},
                                                            {"n4", "hdd"},
                                                            {"n5", "ssd"},
                                                            {"n6", "hdd"}}));
}

TEST(DaemonFlagsTest, PrepareJobsFormatWithCurveChunkserverFormat) {
  const auto& contract = ContractOf("prepare");
  std::string script = PrepareScript();
  std::string command = std::string(contract.binary) + " chunkserver format";
  size_t at = script.find(command);
  ASSERT_NE(at, std::string::npos) << script;
  std::string line = script.substr(at + command.size(), script.find('\n', at) - at);
  std::set<std::string> flags;
  for (size_t p = line.find("--"); p != std::string::npos; p = line.find(" --", p + 1)) {
    size_t begin = line[p] == ' ' ? p + 3 : p + 2;
    flags.insert(line.substr(begin, line.find('=', begin) - begin));
  }
  EXPECT_EQ(flags, Names(contract.flags)) << line;
  EXPECT_EQ(script.find("curve-format "), std::string::npos);  // no such binary
}

}  // namespace
}  // namespace curve::op
