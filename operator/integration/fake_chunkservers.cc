#include "operator/integration/fake_chunkservers.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "common/logging.h"
#include "operator/k8s/resource.h"
#include "operator/objects/daemon_flags.h"
#include "proto/mds/heartbeat.grpc.pb.h"
#include "services/mds/client/mds_client.h"

namespace curve::op::testing {
namespace {

using k8s::Json;

bool PodReady(const Json& pod) {
  for (const auto& c : pod.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

// The value of --<name>= among the chunkserver container's arguments; "" when absent.
std::string Arg(const Json& pod, std::string_view name) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (const auto& c : pod["spec"].value("containers", Json::array())) {
    for (const auto& a : c.value("args", Json::array())) {
      const std::string arg = a.get<std::string>();
      if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
    }
  }
  return "";
}

}  // namespace

Result<std::unique_ptr<FakeChunkservers>> FakeChunkservers::Start(
    k8s::KubeClient* client, std::string ns, const std::string& mds_address,
    std::chrono::milliseconds interval) {
  mds::MdsClientOptions options;
  options.addresses = {mds_address};
  options.attempt_timeout = std::chrono::seconds(1);
  options.total_timeout = std::chrono::seconds(2);
  CURVE_ASSIGN_OR_RETURN(auto mds, mds::MdsClient::Create(options));
  std::unique_ptr<FakeChunkservers> fleet(
      new FakeChunkservers(client, std::move(ns), interval, std::move(mds)));
  fleet->thread_ = std::jthread([raw = fleet.get()](std::stop_token stop) { raw->Loop(stop); });
  return fleet;
}

FakeChunkservers::FakeChunkservers(k8s::KubeClient* client, std::string ns,
                                   std::chrono::milliseconds interval,
                                   std::unique_ptr<mds::MdsClient> mds)
    : client_(client), ns_(std::move(ns)), interval_(interval), mds_(std::move(mds)) {}

FakeChunkservers::~FakeChunkservers() {
  thread_.request_stop();
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t FakeChunkservers::registered() const {
  std::lock_guard lock(mu_);
  return registered_;
}

void FakeChunkservers::Loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    Round();
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, stop, interval_, [] { return false; });
  }
}

void FakeChunkservers::Round() {
  auto logger = log::Get("fake-chunkservers");
  k8s::ListOptions options;
  options.label_selector = "app.kubernetes.io/component=chunkserver";
  auto pods = client_->ListAll(k8s::resources::kPods, ns_, options);
  if (!pods.ok()) {
    logger->warn("op=ListPods err={}", pods.status().ToString());
    return;
  }
  for (const auto& pod : pods->items) {
    if (!PodReady(pod)) continue;
    const std::string listen = Arg(pod, daemon::kListen);
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) continue;
    Chunkserver& cs = chunkservers_[listen];
    if (cs.id == 0) {
      mds::RegisterChunkServerRequest request;
      request.set_host(listen.substr(0, colon));
      request.set_port(static_cast<uint32_t>(std::stoul(listen.substr(colon + 1))));
      request.set_disk_path(Arg(pod, daemon::kChunkserverDataDir));
      request.set_disk_type(Arg(pod, daemon::kChunkserverDiskType));
      request.set_capacity_bytes(1ull << 40);
      mds::RegisterChunkServerResponse response;
      Status status = mds_->Call("RegisterChunkServer", [&](const auto& channel, auto& context) {
        return mds::ChunkServerRegistry::NewStub(channel)->RegisterChunkServer(&context, request,
                                                                               &response);
      });
      if (!status.ok()) {
        // Until the operator declared its host, every round is refused the same way.
        if (status.ToString() != cs.last_error) {
          logger->info("op=Register chunkserver={} err={}", listen, status.ToString());
          cs.last_error = status.ToString();
        }
        continue;
      }
      cs.id = response.chunkserver_id();
      cs.token = response.token();
      by_id_[cs.id] = &cs;
      std::lock_guard lock(mu_);
      ++registered_;
    }
    mds::HeartbeatRequest request;
    request.set_chunkserver_id(cs.id);
    request.set_token(cs.token);
    request.set_capacity_bytes(1ull << 40);
    for (const auto& key : cs.hosted) {
      const Copyset& truth = copysets_[key];
      auto* report = request.add_copysets();
      report->set_logical_pool_id(key.first);
      report->set_copyset_id(key.second);
      report->set_is_leader(truth.leader == cs.id);
      report->set_term(truth.term);
      report->set_epoch(truth.epoch);
      for (uint32_t m : truth.members) report->add_members(m);
    }
    mds::HeartbeatResponse response;
    Status status = mds_->Call("Heartbeat", [&](const auto& channel, auto& context) {
      return mds::ChunkServerRegistry::NewStub(channel)->Heartbeat(&context, request, &response);
    });
    if (!status.ok()) {
      logger->warn("op=Heartbeat chunkserver={} err={}", listen, status.ToString());
      continue;
    }
    Apply(cs, response);
  }
}

void FakeChunkservers::Apply(Chunkserver& cs, const mds::HeartbeatResponse& response) {
  for (const auto& order : response.create_copysets()) {
    std::pair key{order.logical_pool_id(), order.copyset_id()};
    auto [it, created] = copysets_.try_emplace(key);
    if (created) {
      for (const auto& peer : order.peers()) it->second.members.push_back(peer.chunkserver_id());
      if (!it->second.members.empty()) it->second.leader = it->second.members.front();
    }
    cs.hosted.insert(key);
  }
  for (const auto& order : response.changes()) {
    std::pair key{order.logical_pool_id(), order.copyset_id()};
    auto it = copysets_.find(key);
    if (it == copysets_.end() || it->second.leader != cs.id) continue;
    Copyset& truth = it->second;
    auto& members = truth.members;
    if (order.kind() == mds::ConfigChangeOrder::TRANSFER_LEADER) {
      truth.leader = order.add().chunkserver_id();
      ++truth.term;
      continue;
    }
    if (order.kind() != mds::ConfigChangeOrder::REPLACE_PEER) continue;
    const uint32_t added = order.add().chunkserver_id();
    if (std::find(members.begin(), members.end(), added) == members.end()) {
      members.push_back(added);
    }
    // Raft created the replica on the new member with the membership change.
    if (auto peer = by_id_.find(added); peer != by_id_.end()) peer->second->hosted.insert(key);
    std::erase(members, order.remove().chunkserver_id());
    ++truth.epoch;
    if (std::find(members.begin(), members.end(), truth.leader) == members.end()) {
      truth.leader = members.front();
      ++truth.term;
    }
  }
  for (const auto& notice : response.not_member()) {
    cs.hosted.erase({notice.logical_pool_id(), notice.copyset_id()});
  }
}

}  // namespace curve::op::testing
