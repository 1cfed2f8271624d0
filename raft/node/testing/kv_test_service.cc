#include "raft/node/testing/kv_test_service.h"

#include <future>

#include "common/rpc/grpc_status.h"

namespace curve::raft {

namespace {

constexpr std::chrono::seconds kRequestTimeout{10};

// Waits for a callback-style request to complete.
template <typename T>
Result<T> Wait(const std::function<void(std::function<void(Result<T>)>)>& start) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  start([promise](Result<T> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(kRequestTimeout) != std::future_status::ready) {
    return DeadlineExceededError("raft request timed out in the test node");
  }
  return future.get();
}

Status WaitStatus(const std::function<void(std::function<void(Status)>)>& start) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  start([promise](Status s) { promise->set_value(std::move(s)); });
  if (future.wait_for(kRequestTimeout) != std::future_status::ready) {
    return DeadlineExceededError("raft request timed out in the test node");
  }
  return future.get();
}

}  // namespace

void KvTestService::Attach(RaftServer* server, std::map<GroupId, KvStateMachine*> machines) {
  machines_ = std::move(machines);
  server_.store(server);
}

Result<std::shared_ptr<RaftGroup>> KvTestService::Find(uint64_t group) const {
  RaftServer* server = server_.load();
  if (server == nullptr) return UnavailableError("test node starting");
  std::shared_ptr<RaftGroup> handle = server->Group(group);
  if (handle == nullptr) return NotFoundError("group " + std::to_string(group) + " not hosted");
  return handle;
}

grpc::Status KvTestService::Put(grpc::ServerContext*, const testnode::PutRequest* request,
                                testnode::PutResponse* response) {
  auto group = Find(request->group());
  if (!group.ok()) return rpc::ToGrpcStatus(group.status());
  std::string command = EncodePut(request->key(), request->value());
  Result<Index> index = Wait<Index>([&](std::function<void(Result<Index>)> done) {
    (*group)->Propose(command, std::move(done));
  });
  if (!index.ok()) return rpc::ToGrpcStatus(index.status());
  response->set_index(*index);
  return grpc::Status::OK;
}

grpc::Status KvTestService::Get(grpc::ServerContext*, const testnode::GetRequest* request,
                                testnode::GetResponse* response) {
  auto group = Find(request->group());
  if (!group.ok()) return rpc::ToGrpcStatus(group.status());
  Result<Index> index = Wait<Index>(
      [&](std::function<void(Result<Index>)> done) { (*group)->ReadBarrier(std::move(done)); });
  if (!index.ok()) return rpc::ToGrpcStatus(index.status());
  std::optional<std::string> value = machines_.at(request->group())->Get(request->key());
  response->set_found(value.has_value());
  response->set_value(value.value_or(""));
  response->set_index(*index);
  return grpc::Status::OK;
}

grpc::Status KvTestService::Dump(grpc::ServerContext*, const testnode::DumpRequest* request,
                                 testnode::DumpResponse* response) {
  auto group = Find(request->group());
  if (!group.ok()) return rpc::ToGrpcStatus(group.status());
  auto status = (*group)->GetStatus();
  if (!status.ok()) return rpc::ToGrpcStatus(status.status());
  for (const auto& [k, v] : machines_.at(request->group())->Dump(nullptr)) {
    (*response->mutable_values())[k] = v;
  }
  // Read after the values: the state reflects at least this index.
  response->set_applied(status->applied);
  response->set_snapshots_loaded(machines_.at(request->group())->snapshots_loaded());
  return grpc::Status::OK;
}

grpc::Status KvTestService::Status(grpc::ServerContext*, const testnode::StatusRequest* request,
                                   testnode::StatusResponse* response) {
  auto group = Find(request->group());
  if (!group.ok()) return rpc::ToGrpcStatus(group.status());
  auto status = (*group)->GetStatus();
  if (!status.ok()) return rpc::ToGrpcStatus(status.status());
  response->set_id(status->id);
  response->set_role(RoleName(status->role));
  response->set_term(status->term);
  response->set_leader(status->leader);
  response->set_leader_address(status->leader_address);
  response->set_commit(status->commit);
  response->set_applied(status->applied);
  for (NodeId v : status->config.voters) response->add_voters(v);
  for (const auto& p : status->peers) {
    auto* peer = response->add_peers();
    peer->set_id(p.id);
    peer->set_match(p.match);
  }
  return grpc::Status::OK;
}

grpc::Status KvTestService::TransferLeader(grpc::ServerContext*,
                                           const testnode::TransferLeaderRequest* request,
                                           testnode::Empty*) {
  auto group = Find(request->group());
  if (!group.ok()) return rpc::ToGrpcStatus(group.status());
  return rpc::ToGrpcStatus(WaitStatus([&](std::function<void(curve::Status)> done) {
    (*group)->TransferLeader(request->target(), std::move(done));
  }));
}

grpc::Status KvTestService::ChangePeers(grpc::ServerContext*,
                                        const testnode::ChangePeersRequest* request,
                                        testnode::Empty*) {
  auto group = Find(request->group());
  if (!group.ok()) return rpc::ToGrpcStatus(group.status());
  PeerChange change;
  if (request->kind() == "add") {
    change.kind = PeerChange::Kind::kAdd;
  } else if (request->kind() == "remove") {
    change.kind = PeerChange::Kind::kRemove;
  } else if (request->kind() == "replace") {
    change.kind = PeerChange::Kind::kReplace;
  } else {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "kind: add, remove or replace");
  }
  change.node = request->node();
  change.address = request->address();
  change.old_node = request->old_node();
  Result<Index> index = Wait<Index>([&](std::function<void(Result<Index>)> done) {
    (*group)->ChangePeers(change, std::move(done));
  });
  return rpc::ToGrpcStatus(index.status());
}

}  // namespace curve::raft
