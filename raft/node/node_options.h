#pragma once

// Options of a RaftServer (one per process) and of each raft group it hosts.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "raft/core/options.h"
#include "raft/transport/tcp_transport.h"

namespace curve::config {
class ConfigSource;
}  // namespace curve::config
namespace grpc {
class Service;
}  // namespace grpc

namespace curve::raft {

class StateMachine;

struct RaftServerOptions {
  // This process's node id in every group it hosts (never 0).
  NodeId node_id = kNoNode;
  // Where the raft gRPC server listens; port 0 picks one. Empty: the server starts none and the
  // application registers service() on its own server (then set advertise_address).
  std::string listen_address = "127.0.0.1:0";
  // The address peers dial; defaults to the listen address with the port actually bound.
  std::string advertise_address;
  // The write-ahead log's directory.
  std::string data_dir;
  // fdatasync every group commit. Off only for tests and throwaway data.
  bool sync = true;
  // Threads driving the groups; each group is driven by one of them. One suffices for I/O-bound
  // work (a driver never waits for the disk: its writes are asynchronous) and keeps the idle
  // cost lowest (each driver sends its own frame per peer per tick); add more when applying
  // entries costs CPU, since a group's entries are applied on its driver.
  int driver_threads = 1;
  // The raft clock: every group ticks once per interval.
  std::chrono::milliseconds tick_interval{100};
  // Known peers: node id -> "host:port". More can be added later (SetPeerAddress) and are
  // learned from peers that connect.
  std::map<NodeId, std::string> peers;
  TcpTransportOptions transport;
  // More services for the server started on listen_address (not owned; must outlive the
  // RaftServer), e.g. the application's own API on the same port.
  std::vector<grpc::Service*> extra_services;

  // Reads keys under `prefix` ("raft."): node_id, listen, advertise, data_dir, sync,
  // driver_threads, tick_interval, peers ("1=host:port,2=host:port").
  Status Load(config::ConfigSource& source, const std::string& prefix = "raft.");
  // InvalidArgument naming the first bad field.
  Status Validate() const;
};

struct GroupOptions {
  GroupId id = 0;
  // Founding members of a new group: used only when the log holds nothing for the group yet.
  // Empty for a node joining an existing group (it learns the membership from the leader).
  std::vector<NodeId> initial_members;
  // The core's options; id and random_seed are filled in by the server.
  RaftOptions raft;
  // Take a snapshot after this many entries applied since the last one (0: never).
  uint64_t snapshot_interval = 10000;
  // Entries kept in the log behind a snapshot, so a slightly lagging follower catches up from the
  // log rather than from a snapshot.
  uint64_t snapshot_keep_entries = 1000;
  // Proposals, reads and membership changes without an outcome after this long fail with
  // DeadlineExceeded.
  std::chrono::milliseconds request_timeout{10000};
  // Not owned; must outlive the group.
  StateMachine* state_machine = nullptr;
};

}  // namespace curve::raft
