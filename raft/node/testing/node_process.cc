#include "raft/node/testing/node_process.h"

#include <unistd.h>

#include <filesystem>

#include <grpcpp/grpcpp.h>

#include "common/rpc/grpc_status.h"
#include "common/rpc/retry.h"

namespace curve::raft {

namespace {

constexpr std::chrono::seconds kRpcTimeout{5};

void SetDeadline(grpc::ClientContext* context, std::chrono::milliseconds timeout) {
  context->set_deadline(std::chrono::system_clock::now() + timeout);
}

}  // namespace

std::string TestNodeBinary() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return (self.parent_path() / "raft_test_node").string();
}

NodeProcess::NodeProcess(NodeProcessOptions options, curve::testing::Subprocess process)
    : options_(std::move(options)), process_(std::move(process)) {
  stub_ = testnode::KvTestNode::NewStub(rpc::MakeChannel(address()));
}

Result<std::unique_ptr<NodeProcess>> NodeProcess::Start(const NodeProcessOptions& options) {
  std::vector<std::string> argv = {
      TestNodeBinary(),
      "--node_id=" + std::to_string(options.id),
      "--listen=127.0.0.1:" + std::to_string(options.port),
      "--data_dir=" + options.data_dir,
      "--groups=" + std::to_string(options.groups),
      "--tick_interval=" + std::to_string(options.tick.count()) + "ms",
      "--election_tick=" + std::to_string(options.election_tick),
      "--snapshot_interval=" + std::to_string(options.snapshot_interval),
      std::string("--sync=") + (options.sync ? "true" : "false")};
  std::string peers;
  for (const auto& [id, port] : options.peers) {
    if (!peers.empty()) peers += ",";
    peers += std::to_string(id) + "=127.0.0.1:" + std::to_string(port);
  }
  argv.push_back("--peers=" + peers);
  if (options.join) {
    argv.push_back("--join=true");
  } else if (!options.members.empty()) {
    std::string members;
    for (NodeId m : options.members) members += (members.empty() ? "" : ",") + std::to_string(m);
    argv.push_back("--members=" + members);
  }
  if (options.quiet) argv.push_back("--quiet=true");
  for (const std::string& flag : options.extra_flags) argv.push_back(flag);
  CURVE_ASSIGN_OR_RETURN(curve::testing::Subprocess process,
                         curve::testing::Subprocess::Start(argv, options.stderr_path));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::optional<std::string> line = process.ReadLine(std::chrono::milliseconds(500));
    if (line && line->rfind("READY ", 0) == 0) {
      return std::unique_ptr<NodeProcess>(new NodeProcess(options, std::move(process)));
    }
    if (!process.running()) break;
  }
  return UnavailableError("raft_test_node " + std::to_string(options.id) + " did not become ready");
}

std::vector<std::string> NodeProcess::TakeLines() {
  std::vector<std::string> lines;
  while (auto line = process_.ReadLine(std::chrono::milliseconds(5))) lines.push_back(*line);
  return lines;
}

Result<uint64_t> NodeProcess::Put(uint64_t group, const std::string& key, const std::string& value,
                                  std::chrono::milliseconds timeout) {
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  testnode::PutRequest request;
  request.set_group(group);
  request.set_key(key);
  request.set_value(value);
  testnode::PutResponse response;
  grpc::Status status = stub_->Put(&context, request, &response);
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  return response.index();
}

Result<std::optional<std::string>> NodeProcess::Get(uint64_t group, const std::string& key) {
  grpc::ClientContext context;
  SetDeadline(&context, kRpcTimeout);
  testnode::GetRequest request;
  request.set_group(group);
  request.set_key(key);
  testnode::GetResponse response;
  grpc::Status status = stub_->Get(&context, request, &response);
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  if (!response.found()) return std::optional<std::string>();
  return std::optional<std::string>(response.value());
}

Result<testnode::DumpResponse> NodeProcess::Dump(uint64_t group) {
  grpc::ClientContext context;
  SetDeadline(&context, kRpcTimeout);
  testnode::DumpRequest request;
  request.set_group(group);
  testnode::DumpResponse response;
  grpc::Status status = stub_->Dump(&context, request, &response);
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  return response;
}

Result<testnode::StatusResponse> NodeProcess::Status(uint64_t group) {
  grpc::ClientContext context;
  SetDeadline(&context, std::chrono::seconds(2));
  testnode::StatusRequest request;
  request.set_group(group);
  testnode::StatusResponse response;
  grpc::Status status = stub_->Status(&context, request, &response);
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  return response;
}

curve::Status NodeProcess::TransferLeader(uint64_t group, NodeId target) {
  grpc::ClientContext context;
  SetDeadline(&context, kRpcTimeout);
  testnode::TransferLeaderRequest request;
  request.set_group(group);
  request.set_target(target);
  testnode::Empty response;
  return rpc::FromGrpcStatus(stub_->TransferLeader(&context, request, &response));
}

curve::Status NodeProcess::ChangePeers(uint64_t group, const std::string& kind, NodeId node,
                                       const std::string& address, NodeId old_node) {
  grpc::ClientContext context;
  SetDeadline(&context, std::chrono::seconds(15));
  testnode::ChangePeersRequest request;
  request.set_group(group);
  request.set_kind(kind);
  request.set_node(node);
  request.set_address(address);
  request.set_old_node(old_node);
  testnode::Empty response;
  return rpc::FromGrpcStatus(stub_->ChangePeers(&context, request, &response));
}

}  // namespace curve::raft
