#include "services/client/chunk_router.h"

#include <grpcpp/grpcpp.h>

#include <random>
#include <thread>

#include "common/rpc/grpc_status.h"
#include "common/rpc/retry.h"
#include "proto/mds/topology.grpc.pb.h"
#include "services/mds/client/mds_client.h"

namespace curve::client {

namespace {

// The leader named by a redirect, or empty.
std::string RedirectTarget(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::FAILED_PRECONDITION) return "";
  const std::string& m = status.error_message();
  size_t at = m.find("leader_address=");
  if (at == std::string::npos) return "";
  at += std::string("leader_address=").size();
  size_t end = m.find_first_of(" ;,)", at);
  return m.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

bool IsRedirect(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
         status.error_message().find("not the leader") != std::string::npos;
}

bool IsRetryable(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::NOT_FOUND:  // the copyset is not (yet or any more) hosted there
    case grpc::StatusCode::CANCELLED:
      return true;
    default:
      return IsRedirect(status);
  }
}

}  // namespace

Status ChunkRouter::Refresh() {
  mds::GetTopologyResponse response;
  CURVE_RETURN_IF_ERROR(mds_->Call("GetTopology", [&](const auto& channel, grpc::ClientContext& c) {
    return mds::TopologyService::NewStub(channel)->GetTopology(&c, {}, &response);
  }));
  std::map<uint32_t, std::string> addresses;
  for (const auto& cs : response.topology().chunkservers()) {
    addresses[cs.id()] = cs.host() + ":" + std::to_string(cs.port());
  }
  std::lock_guard lock(mu_);
  for (const auto& pool : response.topology().logical_pools()) {
    for (const auto& copyset : pool.copysets()) {
      std::vector<std::string> members;
      for (uint32_t m : copyset.members()) members.push_back(addresses[m]);
      members_[{pool.id(), copyset.id()}] = std::move(members);
    }
  }
  refreshed_ = std::chrono::steady_clock::now();
  return Status::Ok();
}

std::vector<std::string> ChunkRouter::Members(const Key& key) {
  std::lock_guard lock(mu_);
  auto it = members_.find(key);
  return it == members_.end() ? std::vector<std::string>{} : it->second;
}

std::shared_ptr<grpc::Channel> ChunkRouter::ChannelFor(const std::string& address) {
  std::lock_guard lock(mu_);
  auto& channel = channels_[address];
  if (!channel) channel = rpc::MakeChannel(address);
  return channel;
}

std::shared_ptr<grpc::Channel> ChunkRouter::LeaderChannel(uint32_t logical_pool, uint32_t copyset) {
  std::string leader;
  {
    std::lock_guard lock(mu_);
    auto it = leaders_.find({logical_pool, copyset});
    if (it == leaders_.end()) return nullptr;
    leader = it->second;
  }
  return ChannelFor(leader);
}

Status ChunkRouter::Call(uint32_t logical_pool, uint32_t copyset,
                         std::chrono::steady_clock::time_point deadline, const Attempt& attempt) {
  const Key key{logical_pool, copyset};
  rpc::RetryPolicy policy;
  policy.initial_backoff = std::chrono::milliseconds(20);
  policy.max_backoff = std::chrono::milliseconds(500);
  rpc::Backoff backoff(policy, std::random_device()());
  size_t next_member = 0;
  grpc::Status last;
  std::string target;
  for (int round = 0;; ++round) {
    if (target.empty()) {
      std::lock_guard lock(mu_);
      if (auto it = leaders_.find(key); it != leaders_.end()) target = it->second;
    }
    if (target.empty()) {
      auto members = Members(key);
      if (members.empty()) {
        (void)Refresh();
        members = Members(key);
      }
      if (members.empty()) {
        return NotFoundError("copyset " + std::to_string(logical_pool) + "." +
                             std::to_string(copyset) + " is unknown to the MDS");
      }
      target = members[next_member++ % members.size()];
    }
    grpc::ClientContext context;
    auto remaining = std::min<std::chrono::steady_clock::duration>(
        deadline - std::chrono::steady_clock::now(), rpc_timeout_);
    context.set_deadline(
        std::chrono::system_clock::now() +
        std::max<std::chrono::steady_clock::duration>(remaining, std::chrono::milliseconds(10)));
    last = attempt(ChannelFor(target), context);
    if (last.ok() || !IsRetryable(last)) {
      if (last.ok()) {
        std::lock_guard lock(mu_);
        leaders_[key] = target;
      }
      return rpc::FromGrpcStatus(last);
    }
    std::string redirect = RedirectTarget(last);
    {
      std::lock_guard lock(mu_);
      if (!redirect.empty()) {
        leaders_[key] = redirect;
      } else {
        leaders_.erase(key);
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    if (!redirect.empty() && redirect != target) {
      target = redirect;
      continue;
    }
    target.clear();
    // A full round without a leader: the membership may have changed.
    auto members = Members(key);
    if (!members.empty() && next_member % members.size() == 0) {
      std::chrono::steady_clock::time_point refreshed;
      {
        std::lock_guard lock(mu_);
        refreshed = refreshed_;
      }
      if (std::chrono::steady_clock::now() - refreshed > std::chrono::seconds(1)) (void)Refresh();
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        backoff.Next(), deadline - std::chrono::steady_clock::now()));
  }
  Status status = rpc::FromGrpcStatus(last);
  return Status(status.code() == StatusCode::kOk ? StatusCode::kDeadlineExceeded : status.code(),
                "copyset " + std::to_string(logical_pool) + "." + std::to_string(copyset) +
                    ": no leader answered in time: " + status.message());
}

}  // namespace curve::client
