#include "operator/cluster/desired_state.h"

#include <set>

#include "operator/chunkserver/chunkserver_builder.h"
#include "operator/etcd/etcd_builder.h"
#include "operator/mds/mds_builder.h"
#include "operator/snapshotclone/snapshotclone_builder.h"

namespace curve::op {

std::vector<DesiredObject> BuildDesiredState(const BuildContext& ctx) {
  std::vector<DesiredObject> out;
  ForEachDesiredObject(ctx, [&](DesiredObject object) { out.push_back(std::move(object)); });
  return out;
}

void ForEachDesiredObject(const BuildContext& ctx,
                          const std::function<void(DesiredObject object)>& emit) {
  for (auto builder : {BuildEtcd, BuildMds}) {
    for (auto& o : builder(ctx)) emit(std::move(o));
  }
  ForEachChunkserverObject(ctx, emit);
  for (auto& o : BuildSnapshotClone(ctx)) emit(std::move(o));
}

std::string PhysicalPoolName(const std::string& poolset) { return poolset + "-pool"; }

mds::ApplyTopologyRequest BuildTopology(const BuildContext& ctx) {
  mds::ApplyTopologyRequest request;
  for (const auto& p : ctx.spec.storage.poolsets) {
    auto* poolset = request.add_poolsets();
    poolset->set_name(p.name);
    poolset->set_type(p.type);
  }
  std::set<std::string> used;
  for (const auto& cs : ctx.placement.chunkservers) used.insert(cs.poolset);
  for (const auto& p : ctx.placement.poolsets) {
    if (!used.count(p.name)) continue;
    auto* pool = request.add_physical_pools();
    pool->set_name(PhysicalPoolName(p.name));
    pool->set_poolset(p.name == kDefaultPoolset ? "" : p.name);
    pool->set_copysets_per_chunkserver(ctx.spec.storage.copysets);
  }
  std::set<std::string> servers;
  for (const auto& cs : ctx.placement.chunkservers) {
    if (!servers.insert(cs.server).second) continue;
    auto* server = request.add_servers();
    server->set_name(cs.server);
    server->set_host(cs.address);
    server->set_zone(cs.failure_domain);
    server->set_physical_pool(PhysicalPoolName(cs.poolset));
  }
  return request;
}

}  // namespace curve::op
