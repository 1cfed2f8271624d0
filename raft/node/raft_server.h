#pragma once

// RaftServer: the multi-raft runtime of one process. It owns the write-ahead log every group on
// this disk shares (LogStore, group commit), the transport to the other processes (one stream per
// peer process), a small pool of driver threads (each group runs on one; driver.h) and, unless
// told otherwise, the gRPC server the transport listens on.
//
//   auto server = RaftServer::Start(options);           // recovers the log
//   auto group = (*server)->CreateGroup(group_options);  // per hosted group
//   group->Propose(bytes, [](Result<Index> r) { ... });
//   (*server)->Shutdown();                               // or destroy it
//
// Peers are addressed by node id; addresses come from the options, SetPeerAddress, membership
// changes that name one, and the hellos of peers that connect.
//
// Thread-safety: all methods are thread-safe, except that CreateGroup and RemoveGroup must not be
// called from a raft callback (they wait for a driver).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/rpc/server.h"
#include "raft/node/node_options.h"
#include "raft/node/raft_group.h"
#include "raft/storage/log_store.h"
#include "raft/transport/tcp_transport.h"

namespace grpc {
class Service;
}  // namespace grpc
namespace curve::rpc {
class GrpcServer;
}  // namespace curve::rpc

namespace curve::raft {

class Driver;

struct RaftServerStats {
  TransportStats transport;
  LogStoreStats storage;
};

class RaftServer {
 public:
  // Opens (recovering) the log in options.data_dir, starts the transport, the drivers and the
  // gRPC server. InvalidArgument for bad options; the store's and server's errors otherwise.
  static Result<std::unique_ptr<RaftServer>> Start(const RaftServerOptions& options);
  ~RaftServer();  // Shutdown

  RaftServer(const RaftServer&) = delete;
  RaftServer& operator=(const RaftServer&) = delete;

  // Starts hosting a group (founding member, rejoining after a restart, or joining empty; see
  // GroupOptions). AlreadyExists when hosted already.
  Result<std::shared_ptr<RaftGroup>> CreateGroup(const GroupOptions& options);
  // Stops hosting the group (its requests fail with Unavailable); with `destroy_log` its log is
  // erased too (e.g. after the group moved away), once `visit` (when set) has seen every entry
  // still in it, so the application can undo effects of entries it applied ahead of the commit
  // index this node knows (after a restart those are not replayed).
  Status RemoveGroup(GroupId group, bool destroy_log,
                     const std::function<void(const Entry&)>& visit = {});
  std::shared_ptr<RaftGroup> Group(GroupId group) const;
  std::vector<GroupId> Groups() const;
  // The status of every hosted group, gathered by one task per driver: with many groups far
  // cheaper than RaftGroup::GetStatus on each (one driver wake-up instead of one per group).
  // Groups whose driver did not answer within `timeout` are missing. Not from a raft callback.
  std::map<GroupId, GroupStatus> GetStatuses(
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

  void SetPeerAddress(NodeId node, const std::string& address);

  NodeId node_id() const { return options_.node_id; }
  // The address peers reach this process at.
  const std::string& address() const { return address_; }
  // The transport's gRPC service and raw protocol, for an application that serves them on its
  // own server (options.listen_address empty): both go into its rpc::GrpcServer::Start.
  grpc::Service* service();
  rpc::RawProtocol raw_protocol();

  // Stops the transport (peers see this node as down), the gRPC server and the drivers; waiting
  // requests fail with Unavailable. Idempotent.
  void Shutdown();

  RaftServerStats stats() const;

 private:
  class Handler;
  struct Hosted {
    std::shared_ptr<RaftGroup> handle;
    std::shared_ptr<Driver> driver;
    StateMachine* state_machine = nullptr;
  };

  explicit RaftServer(const RaftServerOptions& options);
  Status Init();
  Driver* DriverFor(GroupId group) const;
  // The hosted group's state machine (for snapshot streams), or nullptr.
  StateMachine* StateMachineOf(GroupId group) const;

  const RaftServerOptions options_;
  std::string address_;
  std::unique_ptr<LogStore> store_;
  std::unique_ptr<Handler> handler_;
  std::unique_ptr<TcpTransport> transport_;
  std::unique_ptr<rpc::GrpcServer> server_;
  std::vector<std::shared_ptr<Driver>> drivers_;

  mutable std::mutex mu_;
  bool shutdown_ = false;             // guarded by mu_
  std::map<GroupId, Hosted> groups_;  // guarded by mu_
};

}  // namespace curve::raft
