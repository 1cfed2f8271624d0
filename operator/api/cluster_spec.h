#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace curve::op {

using Json = nlohmann::json;

inline constexpr char kApiGroup[] = "operator.curve.io";
inline constexpr char kApiVersion[] = "operator.curve.io/v1";
inline constexpr char kKind[] = "CurveCluster";
inline constexpr char kCleanupConfirmation[] = "yes-really-destroy-data";
inline constexpr char kDefaultPoolset[] = "default";
inline constexpr char kDefaultFailureDomainLabel[] = "topology.kubernetes.io/zone";

// One device entry of the CR (storage.devices[] or storage.selectedNodes[].devices[]).
struct DeviceSpec {
  std::string name;        // "/dev/sdb" (or a /dev/disk/by-* link)
  std::string mount_path;  // empty: <hostDataDir>/chunkserver/<device>
  int percentage = 80;
  std::string poolset;  // empty: from the device's discovered class
};

struct PoolsetSpec {
  std::string name;
  std::string type;  // lower case: ssd, hdd, nvme
};

struct SelectedNodeSpec {
  std::string node;
  std::vector<DeviceSpec> devices;
};

struct S3Spec {
  std::string nos_address;
  std::string bucket_name;
  std::string secret_name;  // credentialsSecretRef.name
  std::string access_key_key = "accessKey";
  std::string secret_key_key = "secretKey";
  // Deprecated upstream plain-text keys; the operator moves them into an owned Secret.
  std::string plain_ak;
  std::string plain_sk;
};

struct StorageSpec {
  bool use_selected_nodes = false;
  std::vector<std::string> nodes;
  int port = 8200;
  int copysets = 100;
  int percentage = 80;
  bool use_all_devices = false;
  std::string device_filter;  // regex on device names without "/dev/"
  std::string failure_domain_label = kDefaultFailureDomainLabel;
  std::vector<PoolsetSpec> poolsets;
  std::vector<DeviceSpec> devices;
  std::vector<SelectedNodeSpec> selected_nodes;
};

// The typed spec of a CurveCluster, defaults applied (the same defaults the CRD declares, so an
// object that skipped API-server defaulting, e.g. in unit tests, reads the same).
struct ClusterSpec {
  std::string image;
  std::string image_pull_policy = "IfNotPresent";
  std::vector<std::string> nodes;
  std::string host_data_dir = "/curvebs";
  // Extra daemon settings (etcd.config, mds.config, snapShotClone.config), merged over ours.
  std::map<std::string, std::string> etcd_config;
  std::map<std::string, std::string> mds_config;
  std::map<std::string, std::string> snapshot_clone_config;
  int etcd_peer_port = 2380;
  int etcd_client_port = 2379;
  int mds_port = 6700;
  int mds_dummy_port = 7700;
  bool snapshot_clone_enabled = false;
  int snapshot_clone_port = 5555;
  int snapshot_clone_dummy_port = 8081;
  int snapshot_clone_proxy_port = 8080;
  std::optional<S3Spec> s3;
  StorageSpec storage;
  bool cleanup_confirmed = false;  // cleanupPolicy.confirmation or upstream cleanupConfirm
  bool wipe_devices = true;
};

// Parses `spec` (a CurveCluster's .spec). The checks mirror the CRD's schema and CEL rules, so
// a CR that reached the operator without them (an older CRD, a test) is still refused;
// INVALID_ARGUMENT names the field ("spec.storage.devices[1].percentage: ...").
Result<ClusterSpec> ParseClusterSpec(const Json& spec);

// The port of the i-th chunkserver of a node: storage.port + i.
inline constexpr int kMaxDisksPerNode = 64;

}  // namespace curve::op
