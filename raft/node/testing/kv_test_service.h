#pragma once

// KvTestService: the KvTestNode gRPC service of raft_test_node, over a RaftServer hosting
// KvStateMachine groups. Each call waits for its raft request (with a deadline) and maps errors
// with their codes and messages unchanged, so a client can parse NotLeader hints.
//
// Thread-safety: Attach once before serving; handlers run on gRPC's threads.

#include <atomic>
#include <map>

#include "proto/raft/test_node.grpc.pb.h"
#include "raft/node/raft_server.h"
#include "raft/node/testing/kv_state_machine.h"

namespace curve::raft {

class KvTestService final : public testnode::KvTestNode::Service {
 public:
  // `server` and the machines must outlive the service's use; calls before Attach get
  // UNAVAILABLE.
  void Attach(RaftServer* server, std::map<GroupId, KvStateMachine*> machines);

  grpc::Status Put(grpc::ServerContext*, const testnode::PutRequest*,
                   testnode::PutResponse*) override;
  grpc::Status Get(grpc::ServerContext*, const testnode::GetRequest*,
                   testnode::GetResponse*) override;
  grpc::Status Dump(grpc::ServerContext*, const testnode::DumpRequest*,
                    testnode::DumpResponse*) override;
  grpc::Status Status(grpc::ServerContext*, const testnode::StatusRequest*,
                      testnode::StatusResponse*) override;
  grpc::Status TransferLeader(grpc::ServerContext*, const testnode::TransferLeaderRequest*,
                              testnode::Empty*) override;
  grpc::Status ChangePeers(grpc::ServerContext*, const testnode::ChangePeersRequest*,
                           testnode::Empty*) override;

 private:
  Result<std::shared_ptr<RaftGroup>> Find(uint64_t group) const;

  std::atomic<RaftServer*> server_{nullptr};
  std::map<GroupId, KvStateMachine*> machines_;
};

}  // namespace curve::raft
