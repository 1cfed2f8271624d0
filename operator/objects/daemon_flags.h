#pragma once

// The command-line contract between the pods the operator builds and the daemons in the image:
// every flag and config-file key a role builder emits, named once here, checked against the
// daemons' own option parsing by operator_daemon_flags_test. curve-mds and curve-chunkserver
// read `--config=<YAML>` (dotted keys allowed, e.g. `etcd.endpoints: "a:2379"`), then every other
// flag overrides the key of the same name, and refuse unknown keys (common/config.h
// LoadOptions), so an unknown key means a pod that never starts.
//
// | Role | Binary (source) | Flags the operator passes | Config-file keys |
// |---|---|---|---|
// | etcd | upstream `etcd` (not in tree) | name, data-dir, listen-peer-urls, listen-client-urls,
// initial-advertise-peer-urls, advertise-client-urls, initial-cluster, initial-cluster-token,
// initial-cluster-state | (none read) | | mds | `curve-mds` (services/mds/server/main.cc,
// MdsOptions::Load) | config, listen, metricsListen, etcd.endpoints | etcd.endpoints,
// topology.copysetsPerChunkserver, + spec.mds.config | | prepare Job | `curve chunkserver format`
// (services/cli/data_commands.cc) | data-dir, percent | — | | chunkserver | `curve-chunkserver`
// (services/chunkserver/server/chunkserver_main.cc, ChunkServerOptions::Load) | config, dataDir,
// listen, diskType | mds.addresses | | snapshotclone | `curve-snapshotclone` (no binary in tree
// yet: unverified) | config, listen | — |

#include <string>
#include <string_view>
#include <vector>

namespace curve::op::daemon {

inline constexpr std::string_view kMdsBinary = "curve-mds";
inline constexpr std::string_view kChunkserverBinary = "curve-chunkserver";
inline constexpr std::string_view kCliBinary = "curve";  // `curve chunkserver format`
inline constexpr std::string_view kEtcdBinary = "etcd";
inline constexpr std::string_view kSnapshotCloneBinary = "curve-snapshotclone";

// curve-mds and curve-chunkserver.
inline constexpr std::string_view kConfig = "config";
inline constexpr std::string_view kListen = "listen";
// curve-mds.
inline constexpr std::string_view kMdsMetricsListen = "metricsListen";
inline constexpr std::string_view kMdsEtcdEndpoints = "etcd.endpoints";
inline constexpr std::string_view kMdsCopysetsPerChunkserver = "topology.copysetsPerChunkserver";
// curve-chunkserver.
inline constexpr std::string_view kChunkserverDataDir = "dataDir";
inline constexpr std::string_view kChunkserverDiskType = "diskType";
inline constexpr std::string_view kChunkserverMdsAddresses = "mds.addresses";
// curve chunkserver format.
inline constexpr std::string_view kFormatDataDir = "data-dir";
inline constexpr std::string_view kFormatPercent = "percent";

// "--<name>=<value>".
inline std::string Flag(std::string_view name, std::string_view value) {
  return "--" + std::string(name) + "=" + std::string(value);
}

// One row of the table above (etcd's upstream flags are listed in etcd_builder.cc).
struct DaemonContract {
  std::string_view component;  // the app.kubernetes.io/component label of the pods
  std::string_view binary;
  std::vector<std::string_view> flags;        // every flag the builder passes, without "--"
  std::vector<std::string_view> config_keys;  // every key of its config file (without overrides)
};

inline const std::vector<DaemonContract>& Contracts() {
  static const std::vector<DaemonContract> contracts = {
      {"mds",
       kMdsBinary,
       {kConfig, kListen, kMdsMetricsListen, kMdsEtcdEndpoints},
       {kMdsEtcdEndpoints, kMdsCopysetsPerChunkserver}},
      {"chunkserver",
       kChunkserverBinary,
       {kConfig, kChunkserverDataDir, kListen, kChunkserverDiskType},
       {kChunkserverMdsAddresses}},
      {"prepare", kCliBinary, {kFormatDataDir, kFormatPercent}, {}},
  };
  return contracts;
}

}  // namespace curve::op::daemon
