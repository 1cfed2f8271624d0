#include "common/etcd/etcd_client.h"
#include "services/mds/topology/topology_store.h"

namespace curve::mds {

EtcdTopologyStore::EtcdTopologyStore(etcd::EtcdClient& client, std::string prefix)
    : client_(client), key_(std::move(prefix) + "topology") {}

Result<VersionedTopology> EtcdTopologyStore::Load() {
  CURVE_ASSIGN_OR_RETURN(auto kv, client_.Get(key_));
  VersionedTopology out;
  if (!kv.has_value()) return out;
  if (!out.topology.ParseFromString(kv->value)) {
    return DataLossError("etcd key " + key_ + " does not hold a valid topology");
  }
  out.version = kv->mod_revision;
  return out;
}

Result<int64_t> EtcdTopologyStore::Save(const Topology& topology, int64_t expected_version) {
  std::string value;
  topology.SerializeToString(&value);
  etcd::Compare compare =
      expected_version == 0
          ? etcd::Compare::Missing(key_)
          : etcd::Compare::ModRevision(key_, etcd::Compare::Result::kEqual, expected_version);
  CURVE_ASSIGN_OR_RETURN(auto txn, client_.Txn({compare}, {etcd::Op::Put(key_, value)}));
  if (!txn.succeeded)
    return AbortedError("topology changed concurrently (version " +
                        std::to_string(expected_version) + " is stale)");
  return txn.revision;
}

}  // namespace curve::mds
