#pragma once

// NodeProcess: a raft_test_node child process and a client of its KvTestNode service, for the
// multi-process tests and the benchmark.
//
// Not thread-safe, except the RPC helpers (Put, Get, Dump, Status, TransferLeader, ChangePeers),
// which may be called from several threads at once.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/testing/subprocess.h"
#include "proto/raft/test_node.grpc.pb.h"
#include "raft/core/types.h"

namespace curve::raft {

// The raft_test_node binary: beside the running executable.
std::string TestNodeBinary();

struct NodeProcessOptions {
  NodeId id = kNoNode;
  int port = 0;  // must be given: peers are told the ports in advance
  std::string data_dir;
  std::map<NodeId, int> peers;  // every node's port, this one included
  std::vector<NodeId> members;  // founding members; empty with join
  bool join = false;
  int groups = 1;
  std::chrono::milliseconds tick{50};
  int election_tick = 10;
  uint64_t snapshot_interval = 10000;
  bool sync = true;
  bool quiet = false;
  std::string stderr_path;  // empty: inherit
  std::vector<std::string> extra_flags;
};

class NodeProcess {
 public:
  // Starts the process and waits for its READY line.
  static Result<std::unique_ptr<NodeProcess>> Start(const NodeProcessOptions& options);

  NodeId id() const { return options_.id; }
  pid_t pid() const { return process_.pid(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(options_.port); }
  const NodeProcessOptions& options() const { return options_; }

  void Kill9() { process_.Kill(9); }
  // SIGTERM and wait.
  void Stop() { process_.Kill(15); }
  bool running() { return process_.running(); }
  // The stdout lines printed since the last call (role changes); waits only a few ms.
  std::vector<std::string> TakeLines();

  Result<uint64_t> Put(uint64_t group, const std::string& key, const std::string& value,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5));
  Result<std::optional<std::string>> Get(uint64_t group, const std::string& key);
  Result<testnode::DumpResponse> Dump(uint64_t group);
  Result<testnode::StatusResponse> Status(uint64_t group);
  curve::Status TransferLeader(uint64_t group, NodeId target);
  curve::Status ChangePeers(uint64_t group, const std::string& kind, NodeId node,
                            const std::string& address, NodeId old_node);

 private:
  NodeProcess(NodeProcessOptions options, curve::testing::Subprocess process);

  NodeProcessOptions options_;
  curve::testing::Subprocess process_;
  std::unique_ptr<testnode::KvTestNode::Stub> stub_;
};

}  // namespace curve::raft
