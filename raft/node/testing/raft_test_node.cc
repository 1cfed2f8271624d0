// raft_test_node: one process of a multi-process raft test. A RaftServer hosting key/value
// register groups 1..--groups, with the KvTestNode control service on the same port.
//
//   raft_test_node --node_id=1 --listen=127.0.0.1:PORT --data_dir=DIR
//                  --peers=1=127.0.0.1:P1,2=127.0.0.1:P2,3=127.0.0.1:P3
//                  [--members=1,2,3 | --join] [--groups=1] [--tick_interval=50ms]
//                  [--election_tick=10] [--heartbeat_tick=1] [--snapshot_interval=10000]
//                  [--snapshot_keep_entries=1000]
//                  [--read_mode=read_index|lease] [--sync=true] [--quiet] [--log-level=info]
//
// stdout, for the test to read: "READY node=<id> address=<host:port>" once serving, then (unless
// --quiet) "ROLE group=<g> node=<id> role=<role> term=<t> leader=<id>" on every role change.
// SIGTERM/SIGINT shut it down cleanly; tests also kill -9 it.

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "common/config.h"
#include "common/logging.h"
#include "common/signals.h"
#include "raft/node/raft_server.h"
#include "raft/node/testing/kv_state_machine.h"
#include "raft/node/testing/kv_test_service.h"

namespace curve::raft {
namespace {

struct TestNodeOptions {
  RaftServerOptions server;
  int groups = 1;
  bool join = false;
  std::vector<std::string> members;
  int election_tick = 10;
  int heartbeat_tick = 1;
  int64_t snapshot_interval = 10000;
  int64_t snapshot_keep_entries = 1000;
  ReadMode read_mode = ReadMode::kReadIndex;
  bool quiet = false;

  Status Load(config::ConfigSource& source) {
    server.tick_interval = std::chrono::milliseconds(50);
    CURVE_RETURN_IF_ERROR(server.Load(source, ""));
    CURVE_RETURN_IF_ERROR(source.Read("groups", &groups, 1, 100000));
    CURVE_RETURN_IF_ERROR(source.Read("join", &join));
    CURVE_RETURN_IF_ERROR(source.Read("members", &members));
    CURVE_RETURN_IF_ERROR(source.Read("election_tick", &election_tick, 2, 1000));
    CURVE_RETURN_IF_ERROR(source.Read("heartbeat_tick", &heartbeat_tick, 1, 1000));
    CURVE_RETURN_IF_ERROR(source.Read("snapshot_interval", &snapshot_interval, 0, INT64_MAX));
    CURVE_RETURN_IF_ERROR(
        source.Read("snapshot_keep_entries", &snapshot_keep_entries, 0, INT64_MAX));
    CURVE_RETURN_IF_ERROR(
        source.ReadEnum("read_mode", &read_mode,
                        {{"read_index", ReadMode::kReadIndex}, {"lease", ReadMode::kLeaseBased}}));
    CURVE_RETURN_IF_ERROR(source.Read("quiet", &quiet));
    return Status::Ok();
  }
};

std::mutex stdout_mu;

void PrintLine(const std::string& line) {
  std::lock_guard<std::mutex> lock(stdout_mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

int Run(int argc, char** argv) {
  BlockTerminationSignals();
  auto command_line = config::ParseCommandLine(argc, argv);
  if (!command_line.ok()) {
    std::fprintf(stderr, "%s\n", command_line.status().ToString().c_str());
    return 2;
  }
  log::LogOptions log_options;
  if (auto level = command_line->Flag("log-level")) log_options.level = *level;
  if (Status s = log::Init(log_options); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  TestNodeOptions options;
  if (Status s = config::LoadOptions(*command_line, {"log-level"}, &options); !s.ok()) {
    std::fprintf(stderr, "raft_test_node: %s\n", s.ToString().c_str());
    return 2;
  }
  std::vector<NodeId> members;
  for (const std::string& m : options.members) members.push_back(std::stoull(m));
  if (members.empty() && !options.join) {
    for (const auto& [id, address] : options.server.peers) members.push_back(id);
  }
  if (options.join) members.clear();

  KvTestService service;
  options.server.extra_services.push_back(&service);
  auto server = RaftServer::Start(options.server);
  if (!server.ok()) {
    std::fprintf(stderr, "raft_test_node: %s\n", server.status().ToString().c_str());
    return 1;
  }
  NodeId self = options.server.node_id;
  std::map<GroupId, std::unique_ptr<KvStateMachine>> machines;
  std::map<GroupId, KvStateMachine*> views;
  for (GroupId g = 1; g <= static_cast<GroupId>(options.groups); ++g) {
    KvStateMachine::RoleListener on_role;
    if (!options.quiet) {
      on_role = [g, self](Role role, Term term, NodeId leader) {
        PrintLine("ROLE group=" + std::to_string(g) + " node=" + std::to_string(self) +
                  " role=" + RoleName(role) + " term=" + std::to_string(term) +
                  " leader=" + std::to_string(leader));
      };
    }
    machines[g] = std::make_unique<KvStateMachine>(on_role);
    views[g] = machines[g].get();
    GroupOptions group;
    group.id = g;
    group.initial_members = members;
    group.raft.election_tick = options.election_tick;
    group.raft.heartbeat_tick = options.heartbeat_tick;
    group.raft.read_mode = options.read_mode;
    group.snapshot_interval = static_cast<uint64_t>(options.snapshot_interval);
    group.snapshot_keep_entries = static_cast<uint64_t>(options.snapshot_keep_entries);
    group.state_machine = machines[g].get();
    auto created = (*server)->CreateGroup(group);
    if (!created.ok()) {
      std::fprintf(stderr, "raft_test_node: %s\n", created.status().ToString().c_str());
      return 1;
    }
  }
  service.Attach(server->get(), views);
  PrintLine("READY node=" + std::to_string(self) + " address=" + (*server)->address());
  WaitForTerminationSignal();
  (*server)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace curve::raft

int main(int argc, char** argv) { return curve::raft::Run(argc, argv); }
