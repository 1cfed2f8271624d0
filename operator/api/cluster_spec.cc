#include "operator/api/cluster_spec.h"

#include <algorithm>
#include <regex>
#include <set>

namespace curve::op {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Readers of one optional member; a present member of the wrong type is an error naming it.
class Reader {
 public:
  Reader(const Json& object, std::string path) : object_(object), path_(std::move(path)) {}

  std::string Field(const std::string& key) const { return path_ + "." + key; }
  bool Has(const std::string& key) const {
    return object_.is_object() && object_.contains(key) && !object_.at(key).is_null();
  }
  const Json& At(const std::string& key) const { return object_.at(key); }

  Status String(const std::string& key, std::string* out) const {
    if (!Has(key)) return Status();
    if (!At(key).is_string()) return InvalidArgumentError(Field(key) + ": must be a string");
    *out = At(key).get<std::string>();
    return Status();
  }
  Status Bool(const std::string& key, bool* out) const {
    if (!Has(key)) return Status();
    if (!At(key).is_boolean()) return InvalidArgumentError(Field(key) + ": must be a boolean");
    *out = At(key).get<bool>();
    return Status();
  }
  Status Int(const std::string& key, int min, int max, int* out) const {
    if (!Has(key)) return Status();
    if (!At(key).is_number_integer()) {
      return InvalidArgumentError(Field(key) + ": must be an integer");
    }
    int64_t value = At(key).get<int64_t>();
    if (value < min || value > max) {
      return InvalidArgumentError(Field(key) + ": " + std::to_string(value) + " is outside [" +
                                  std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    *out = static_cast<int>(value);
    return Status();
  }
  Status Strings(const std::string& key, std::vector<std::string>* out) const {
    if (!Has(key)) return Status();
    if (!At(key).is_array()) return InvalidArgumentError(Field(key) + ": must be a list");
    std::set<std::string> seen;
    for (size_t i = 0; i < At(key).size(); ++i) {
      const Json& item = At(key)[i];
      std::string field = Field(key) + "[" + std::to_string(i) + "]";
      if (!item.is_string() || item.get<std::string>().empty()) {
        return InvalidArgumentError(field + ": must be a non-empty string");
      }
      if (!seen.insert(item.get<std::string>()).second) {
        return InvalidArgumentError(field + ": " + item.get<std::string>() + " is listed twice");
      }
      out->push_back(item.get<std::string>());
    }
    return Status();
  }
  Status StringMap(const std::string& key, std::map<std::string, std::string>* out) const {
    if (!Has(key)) return Status();
    if (!At(key).is_object()) return InvalidArgumentError(Field(key) + ": must be an object");
    for (const auto& [k, v] : At(key).items()) {
      if (!v.is_string()) return InvalidArgumentError(Field(key) + "." + k + ": must be a string");
      (*out)[k] = v.get<std::string>();
    }
    return Status();
  }
  Result<Reader> Object(const std::string& key) const {
    static const Json kEmpty = Json::object();
    if (!Has(key)) return Reader(kEmpty, Field(key));
    if (!At(key).is_object()) return InvalidArgumentError(Field(key) + ": must be an object");
    return Reader(At(key), Field(key));
  }

 private:
  const Json& object_;
  std::string path_;
};

#define RETURN_IF_ERROR_(expr)         \
  do {                                 \
    Status status_ = (expr);           \
    if (!status_.ok()) return status_; \
  } while (false)

Result<std::vector<DeviceSpec>> ParseDevices(const Reader& parent, int default_percentage) {
  std::vector<DeviceSpec> devices;
  if (!parent.Has("devices")) return devices;
  const Json& list = parent.At("devices");
  if (!list.is_array()) return InvalidArgumentError(parent.Field("devices") + ": must be a list");
  std::set<std::string> names, mounts;
  for (size_t i = 0; i < list.size(); ++i) {
    Reader item(list[i], parent.Field("devices") + "[" + std::to_string(i) + "]");
    DeviceSpec device;
    device.percentage = default_percentage;
    RETURN_IF_ERROR_(item.String("name", &device.name));
    RETURN_IF_ERROR_(item.String("mountPath", &device.mount_path));
    RETURN_IF_ERROR_(item.Int("percentage", 1, 100, &device.percentage));
    RETURN_IF_ERROR_(item.String("poolset", &device.poolset));
    if (device.name.rfind("/dev/", 0) != 0 || device.name.size() <= 5) {
      return InvalidArgumentError(item.Field("name") + ": \"" + device.name +
                                  "\" is not a path under /dev/");
    }
    if (!device.mount_path.empty() && device.mount_path[0] != '/') {
      return InvalidArgumentError(item.Field("mountPath") + ": must be an absolute path");
    }
    if (!names.insert(device.name).second) {
      return InvalidArgumentError(item.Field("name") + ": " + device.name + " is listed twice");
    }
    if (!device.mount_path.empty() && !mounts.insert(device.mount_path).second) {
      return InvalidArgumentError(item.Field("mountPath") + ": " + device.mount_path +
                                  " is used by two devices");
    }
    devices.push_back(std::move(device));
  }
  return devices;
}

Status CheckPoolsetReference(const StorageSpec& storage, const DeviceSpec& device,
                             const std::string& field) {
  if (device.poolset.empty() || device.poolset == kDefaultPoolset) return Status();
  for (const auto& p : storage.poolsets) {
    if (p.name == device.poolset) return Status();
  }
  return InvalidArgumentError(field + ".poolset: poolset \"" + device.poolset +
                              "\" is not in spec.storage.poolsets");
}

Status ParseStorage(const Reader& r, StorageSpec* s) {
  RETURN_IF_ERROR_(r.Bool("useSelectedNodes", &s->use_selected_nodes));
  RETURN_IF_ERROR_(r.Strings("nodes", &s->nodes));
  RETURN_IF_ERROR_(r.Int("port", 1, 65535 - kMaxDisksPerNode, &s->port));
  RETURN_IF_ERROR_(r.Int("copySets", 1, 4096, &s->copysets));
  RETURN_IF_ERROR_(r.Int("percentage", 1, 100, &s->percentage));
  RETURN_IF_ERROR_(r.Bool("useAllDevices", &s->use_all_devices));
  RETURN_IF_ERROR_(r.String("deviceFilter", &s->device_filter));
  RETURN_IF_ERROR_(r.String("failureDomainLabel", &s->failure_domain_label));
  if (s->failure_domain_label.empty()) {
    return InvalidArgumentError(r.Field("failureDomainLabel") + ": must not be empty");
  }
  if (!s->device_filter.empty()) {
    if (!s->use_all_devices) {
      return InvalidArgumentError(r.Field("deviceFilter") + ": needs useAllDevices: true");
    }
    try {
      std::regex check(s->device_filter);
    } catch (const std::regex_error& e) {
      return InvalidArgumentError(r.Field("deviceFilter") +
                                  ": not a regular expression: " + e.what());
    }
  }
  if (r.Has("poolsets")) {
    if (!r.At("poolsets").is_array()) {
      return InvalidArgumentError(r.Field("poolsets") + ": must be a list");
    }
    std::set<std::string> names;
    for (size_t i = 0; i < r.At("poolsets").size(); ++i) {
      Reader item(r.At("poolsets")[i], r.Field("poolsets") + "[" + std::to_string(i) + "]");
      PoolsetSpec p;
      RETURN_IF_ERROR_(item.String("name", &p.name));
      RETURN_IF_ERROR_(item.String("type", &p.type));
      p.type = Lower(p.type);
      static const std::regex kName("^[A-Za-z0-9._-]{1,64}$");
      if (!std::regex_match(p.name, kName)) {
        return InvalidArgumentError(item.Field("name") + ": \"" + p.name +
                                    "\" must be 1-64 of [A-Za-z0-9._-]");
      }
      if (p.type != "ssd" && p.type != "hdd" && p.type != "nvme") {
        return InvalidArgumentError(item.Field("type") + ": \"" + p.type +
                                    "\" must be ssd, hdd or nvme");
      }
      if (!names.insert(p.name).second) {
        return InvalidArgumentError(item.Field("name") + ": poolset " + p.name +
                                    " is declared twice");
      }
      s->poolsets.push_back(std::move(p));
    }
  }
  CURVE_ASSIGN_OR_RETURN(s->devices, ParseDevices(r, s->percentage));
  for (size_t i = 0; i < s->devices.size(); ++i) {
    RETURN_IF_ERROR_(CheckPoolsetReference(*s, s->devices[i],
                                           r.Field("devices") + "[" + std::to_string(i) + "]"));
  }
  if (r.Has("selectedNodes")) {
    if (!r.At("selectedNodes").is_array()) {
      return InvalidArgumentError(r.Field("selectedNodes") + ": must be a list");
    }
    std::set<std::string> nodes;
    for (size_t i = 0; i < r.At("selectedNodes").size(); ++i) {
      std::string field = r.Field("selectedNodes") + "[" + std::to_string(i) + "]";
      Reader item(r.At("selectedNodes")[i], field);
      SelectedNodeSpec node;
      RETURN_IF_ERROR_(item.String("node", &node.node));
      if (node.node.empty()) return InvalidArgumentError(item.Field("node") + ": is required");
      if (!nodes.insert(node.node).second) {
        return InvalidArgumentError(item.Field("node") + ": " + node.node + " is listed twice");
      }
      CURVE_ASSIGN_OR_RETURN(node.devices, ParseDevices(item, s->percentage));
      if (node.devices.empty()) return InvalidArgumentError(item.Field("devices") + ": is empty");
      for (size_t j = 0; j < node.devices.size(); ++j) {
        RETURN_IF_ERROR_(CheckPoolsetReference(
            *s, node.devices[j], item.Field("devices") + "[" + std::to_string(j) + "]"));
      }
      s->selected_nodes.push_back(std::move(node));
    }
  }
  if (s->use_all_devices && !s->devices.empty()) {
    return InvalidArgumentError(r.Field("devices") +
                                ": storage.devices and storage.useAllDevices are exclusive");
  }
  if (s->use_selected_nodes && s->selected_nodes.empty()) {
    return InvalidArgumentError(r.Field("selectedNodes") +
                                ": must list nodes when useSelectedNodes is true");
  }
  if (!s->use_selected_nodes && !s->selected_nodes.empty()) {
    return InvalidArgumentError(r.Field("selectedNodes") +
                                ": is used only with useSelectedNodes: true");
  }
  if (!s->use_selected_nodes && s->nodes.empty()) {
    return InvalidArgumentError(r.Field("nodes") +
                                ": must list nodes when useSelectedNodes is false");
  }
  if (!s->use_selected_nodes && !s->use_all_devices && s->devices.empty()) {
    return InvalidArgumentError(r.Field("devices") +
                                ": must list devices (or set useAllDevices: true)");
  }
  return Status();
}

Status ParseSnapshotClone(const Reader& r, ClusterSpec* spec) {
  RETURN_IF_ERROR_(r.Bool("enable", &spec->snapshot_clone_enabled));
  RETURN_IF_ERROR_(r.Int("port", 1, 65535, &spec->snapshot_clone_port));
  RETURN_IF_ERROR_(r.Int("dummyPort", 1, 65535, &spec->snapshot_clone_dummy_port));
  RETURN_IF_ERROR_(r.Int("proxyPort", 1, 65535, &spec->snapshot_clone_proxy_port));
  RETURN_IF_ERROR_(r.StringMap("config", &spec->snapshot_clone_config));
  if (!r.Has("s3Config")) {
    if (spec->snapshot_clone_enabled) {
      return InvalidArgumentError(r.Field("s3Config") + ": is required when enable is true");
    }
    return Status();
  }
  CURVE_ASSIGN_OR_RETURN(Reader s3r, r.Object("s3Config"));
  S3Spec s3;
  RETURN_IF_ERROR_(s3r.String("nosAddress", &s3.nos_address));
  RETURN_IF_ERROR_(s3r.String("bucketName", &s3.bucket_name));
  RETURN_IF_ERROR_(s3r.String("ak", &s3.plain_ak));
  RETURN_IF_ERROR_(s3r.String("sk", &s3.plain_sk));
  if (s3r.Has("credentialsSecretRef")) {
    CURVE_ASSIGN_OR_RETURN(Reader ref, s3r.Object("credentialsSecretRef"));
    RETURN_IF_ERROR_(ref.String("name", &s3.secret_name));
    RETURN_IF_ERROR_(ref.String("accessKeyKey", &s3.access_key_key));
    RETURN_IF_ERROR_(ref.String("secretKeyKey", &s3.secret_key_key));
    if (s3.secret_name.empty()) {
      return InvalidArgumentError(ref.Field("name") + ": is required");
    }
    if (!s3.plain_ak.empty() || !s3.plain_sk.empty()) {
      return InvalidArgumentError(s3r.Field("credentialsSecretRef") +
                                  ": give credentialsSecretRef or ak/sk, not both");
    }
  }
  if (spec->snapshot_clone_enabled) {
    if (s3.nos_address.empty() || s3.bucket_name.empty()) {
      return InvalidArgumentError(s3r.Field("nosAddress") +
                                  ": nosAddress and bucketName are required when enabled");
    }
    if (s3.secret_name.empty() && (s3.plain_ak.empty() || s3.plain_sk.empty())) {
      return InvalidArgumentError(s3r.Field("credentialsSecretRef") +
                                  ": is required when snapShotClone.enable is true");
    }
  }
  spec->s3 = std::move(s3);
  return Status();
}

}  // namespace

Result<ClusterSpec> ParseClusterSpec(const Json& json) {
  if (!json.is_object()) return InvalidArgumentError("spec: must be an object");
  Reader r(json, "spec");
  ClusterSpec spec;
  CURVE_ASSIGN_OR_RETURN(Reader version, r.Object("curveVersion"));
  RETURN_IF_ERROR_(version.String("image", &spec.image));
  RETURN_IF_ERROR_(version.String("imagePullPolicy", &spec.image_pull_policy));
  if (spec.image.empty()) return InvalidArgumentError(version.Field("image") + ": is required");
  if (spec.image_pull_policy != "Always" && spec.image_pull_policy != "IfNotPresent" &&
      spec.image_pull_policy != "Never") {
    return InvalidArgumentError(version.Field("imagePullPolicy") +
                                ": must be Always, IfNotPresent or Never");
  }
  RETURN_IF_ERROR_(r.Strings("nodes", &spec.nodes));
  if (spec.nodes.empty()) return InvalidArgumentError("spec.nodes: must list at least 1 node");
  if (spec.nodes.size() == 2) {
    return InvalidArgumentError(
        "spec.nodes: give 1 node (stand-alone) or at least 3 (etcd and MDS need 3 nodes)");
  }
  RETURN_IF_ERROR_(r.String("hostDataDir", &spec.host_data_dir));
  if (spec.host_data_dir.empty() || spec.host_data_dir[0] != '/') {
    return InvalidArgumentError("spec.hostDataDir: must be an absolute path");
  }
  CURVE_ASSIGN_OR_RETURN(Reader etcd, r.Object("etcd"));
  RETURN_IF_ERROR_(etcd.Int("peerPort", 1, 65535, &spec.etcd_peer_port));
  RETURN_IF_ERROR_(etcd.Int("clientPort", 1, 65535, &spec.etcd_client_port));
  RETURN_IF_ERROR_(etcd.StringMap("config", &spec.etcd_config));
  CURVE_ASSIGN_OR_RETURN(Reader mds, r.Object("mds"));
  RETURN_IF_ERROR_(mds.Int("port", 1, 65535, &spec.mds_port));
  RETURN_IF_ERROR_(mds.Int("dummyPort", 1, 65535, &spec.mds_dummy_port));
  RETURN_IF_ERROR_(mds.StringMap("config", &spec.mds_config));
  CURVE_ASSIGN_OR_RETURN(Reader clone, r.Object("snapShotClone"));
  RETURN_IF_ERROR_(ParseSnapshotClone(clone, &spec));
  if (!r.Has("storage")) return InvalidArgumentError("spec.storage: is required");
  CURVE_ASSIGN_OR_RETURN(Reader storage, r.Object("storage"));
  RETURN_IF_ERROR_(ParseStorage(storage, &spec.storage));

  std::vector<std::pair<std::string, int>> ports = {{"etcd.peerPort", spec.etcd_peer_port},
                                                    {"etcd.clientPort", spec.etcd_client_port},
                                                    {"mds.port", spec.mds_port},
                                                    {"mds.dummyPort", spec.mds_dummy_port}};
  if (spec.snapshot_clone_enabled) {
    ports.push_back({"snapShotClone.port", spec.snapshot_clone_port});
    ports.push_back({"snapShotClone.dummyPort", spec.snapshot_clone_dummy_port});
    ports.push_back({"snapShotClone.proxyPort", spec.snapshot_clone_proxy_port});
  }
  for (size_t i = 0; i < ports.size(); ++i) {
    for (size_t j = i + 1; j < ports.size(); ++j) {
      if (ports[i].second == ports[j].second) {
        return InvalidArgumentError("spec." + ports[j].first + ": port " +
                                    std::to_string(ports[j].second) + " is also spec." +
                                    ports[i].first + " (ports must be distinct)");
      }
    }
    if (ports[i].second >= spec.storage.port &&
        ports[i].second < spec.storage.port + kMaxDisksPerNode) {
      return InvalidArgumentError("spec.storage.port: chunkserver ports " +
                                  std::to_string(spec.storage.port) + "+i overlap spec." +
                                  ports[i].first);
    }
  }

  CURVE_ASSIGN_OR_RETURN(Reader cleanup, r.Object("cleanupPolicy"));
  std::string confirmation, upstream_confirmation;
  RETURN_IF_ERROR_(cleanup.String("confirmation", &confirmation));
  RETURN_IF_ERROR_(cleanup.Bool("wipeDevices", &spec.wipe_devices));
  RETURN_IF_ERROR_(r.String("cleanupConfirm", &upstream_confirmation));
  for (const auto& [field, value] : {std::pair{cleanup.Field("confirmation"), confirmation},
                                     std::pair{r.Field("cleanupConfirm"), upstream_confirmation}}) {
    if (!value.empty() && value != kCleanupConfirmation) {
      return InvalidArgumentError(field + ": must be empty or exactly \"" + kCleanupConfirmation +
                                  "\"");
    }
  }
  spec.cleanup_confirmed = !confirmation.empty() || !upstream_confirmation.empty();
  return spec;
}

}  // namespace curve::op
