#pragma once

// ChunkRouter: sends one chunk RPC to the leader of its copyset. Members come from the MDS
// topology (refreshed when a copyset's members all fail or are unknown); the leader is cached per
// copyset and learned from redirects ("leader_address=" in a FAILED_PRECONDITION). Retries with
// backoff across members until the deadline. Thread-safe.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

namespace grpc {
class Channel;
class ClientContext;
class Status;
}  // namespace grpc
namespace curve::mds {
class MdsClient;
}  // namespace curve::mds

namespace curve::client {

class ChunkRouter {
 public:
  using Attempt = std::function<grpc::Status(const std::shared_ptr<grpc::Channel>& channel,
                                             grpc::ClientContext& context)>;

  ChunkRouter(mds::MdsClient* mds, std::chrono::milliseconds rpc_timeout)
      : mds_(mds), rpc_timeout_(rpc_timeout) {}

  // Loads the copyset membership from the MDS.
  Status Refresh();

  // Runs `attempt` at the copyset's leader until it answers something other than a redirect or
  // an unavailable member, or `deadline` passes.
  Status Call(uint32_t logical_pool, uint32_t copyset,
              std::chrono::steady_clock::time_point deadline, const Attempt& attempt);

  // The channel to the copyset's cached leader, or nullptr when none is cached (Call finds one).
  std::shared_ptr<grpc::Channel> LeaderChannel(uint32_t logical_pool, uint32_t copyset);

 private:
  using Key = std::pair<uint32_t, uint32_t>;
  std::shared_ptr<grpc::Channel> ChannelFor(const std::string& address);
  std::vector<std::string> Members(const Key& key);

  mds::MdsClient* const mds_;
  const std::chrono::milliseconds rpc_timeout_;
  std::mutex mu_;
  std::map<Key, std::vector<std::string>> members_;                 // guarded by mu_
  std::map<Key, std::string> leaders_;                              // guarded by mu_
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;  // guarded by mu_
  std::chrono::steady_clock::time_point refreshed_{};               // guarded by mu_
};

}  // namespace curve::client
