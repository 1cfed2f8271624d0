#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace grpc {
class Channel;
class ClientContext;
class Status;
}  // namespace grpc

namespace curve::mds {

struct MdsClientOptions {
  std::vector<std::string> addresses;  // every MDS replica, host:port
  std::chrono::milliseconds attempt_timeout{std::chrono::seconds(3)};
  // No new attempt starts after this; covers a leader failover (about 2 election TTLs).
  std::chrono::milliseconds total_timeout{std::chrono::seconds(20)};
};

// Reaches the MDS leader among replicas: calls go to the last known leader; an UNAVAILABLE
// answer (a follower, naming the leader in the `curve-mds-leader` trailer, or a dead replica)
// moves to the named leader or the next address, with a short backoff after each full round,
// until the total timeout. Other errors are returned as they are. Thread-safe.
//
//   MdsClient client(options);
//   NamespaceService::Stub stub(...);  // built inside the call from the channel
//   Status s = client.Call("CreateFile", [&](auto& channel, grpc::ClientContext& ctx) {
//     return curve::mds::NamespaceService::NewStub(channel)->CreateFile(&ctx, request, &reply);
//   });
class MdsClient {
 public:
  using Attempt = std::function<grpc::Status(const std::shared_ptr<grpc::Channel>& channel,
                                             grpc::ClientContext& context)>;

  // INVALID_ARGUMENT when no address is given.
  static Result<std::unique_ptr<MdsClient>> Create(MdsClientOptions options);
  ~MdsClient();

  // Runs `attempt` against the leader (see above). `idempotent` calls are also retried after
  // DEADLINE_EXCEEDED (whether a mutation was applied is unknown then). Errors name `what` and
  // the addresses tried.
  Status Call(std::string_view what, const Attempt& attempt, bool idempotent = true);

  // The address that answered last as leader (empty before the first call).
  std::string leader() const;

 private:
  explicit MdsClient(MdsClientOptions options);
  std::shared_ptr<grpc::Channel> ChannelFor(const std::string& address);

  MdsClientOptions options_;
  mutable std::mutex mu_;
  size_t current_ = 0;  // index into addresses_
  std::vector<std::string> addresses_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
};

// Parses "a:1,b:2" (or whitespace separated) into addresses.
std::vector<std::string> SplitAddresses(std::string_view text);

}  // namespace curve::mds
