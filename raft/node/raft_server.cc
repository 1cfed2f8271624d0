#include "raft/node/raft_server.h"

#include <future>

#include "common/logging.h"
#include "common/rpc/server.h"
#include "raft/node/driver.h"
#include "raft/transport/frame_stream.h"

namespace curve::raft {

// Routes what the transport receives to the drivers of the groups concerned.
class RaftServer::Handler final : public TransportHandler {
 public:
  explicit Handler(RaftServer* server) : server_(server) {}

  void OnMessages(NodeId from, std::vector<GroupMessage> messages) override {
    const auto& drivers = server_->drivers_;
    if (drivers.size() == 1) {
      drivers[0]->PostMessages(std::move(messages));
      return;
    }
    std::vector<std::vector<GroupMessage>> split(drivers.size());
    for (GroupMessage& gm : messages) split[gm.group % drivers.size()].push_back(std::move(gm));
    for (size_t i = 0; i < drivers.size(); ++i) {
      if (!split[i].empty()) drivers[i]->PostMessages(std::move(split[i]));
    }
  }

  void OnUnreachable(NodeId to, const std::vector<GroupId>& groups) override {
    const auto& drivers = server_->drivers_;
    for (size_t i = 0; i < drivers.size(); ++i) {
      std::vector<GroupId> mine;
      for (GroupId g : groups) {
        if (g % drivers.size() == i) mine.push_back(g);
      }
      if (mine.empty()) continue;
      Driver* driver = drivers[i].get();
      driver->Post([driver, to, mine = std::move(mine)] {
        for (GroupId g : mine) {
          if (Replica* r = driver->Touch(g)) r->ReportUnreachable(to);
        }
      });
    }
  }

  void OnSnapshotSent(GroupId group, NodeId to, bool success) override {
    Driver* driver = server_->DriverFor(group);
    driver->Post([driver, group, to, success] {
      if (Replica* r = driver->Touch(group)) r->ReportSnapshot(to, success);
    });
  }

  Result<std::unique_ptr<SnapshotReader>> OpenSnapshotReader(GroupId group,
                                                             const Snapshot& snapshot) override {
    StateMachine* sm = server_->StateMachineOf(group);
    if (sm == nullptr) return NotFoundError("raft group " + std::to_string(group) + " not hosted");
    return sm->OpenSnapshotReader(snapshot);
  }

  Result<std::unique_ptr<SnapshotWriter>> OpenSnapshotWriter(GroupId group, NodeId from,
                                                             const SnapshotMeta& meta) override {
    StateMachine* sm = server_->StateMachineOf(group);
    if (sm == nullptr) return NotFoundError("raft group " + std::to_string(group) + " not hosted");
    return sm->OpenSnapshotWriter(from, meta);
  }

 private:
  RaftServer* const server_;
};

RaftServer::RaftServer(const RaftServerOptions& options) : options_(options) {}

RaftServer::~RaftServer() { Shutdown(); }

Result<std::unique_ptr<RaftServer>> RaftServer::Start(const RaftServerOptions& options) {
  CURVE_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<RaftServer> server(new RaftServer(options));
  CURVE_RETURN_IF_ERROR(server->Init());
  return server;
}

Status RaftServer::Init() {
  LogStoreOptions store_options;
  store_options.dir = options_.data_dir;
  store_options.sync = options_.sync;
  CURVE_ASSIGN_OR_RETURN(store_, LogStore::Open(store_options));

  handler_ = std::make_unique<Handler>(this);
  TcpTransportOptions transport_options = options_.transport;
  transport_options.node_id = options_.node_id;
  transport_options.advertise_address = options_.advertise_address;
  transport_ = std::make_unique<TcpTransport>(transport_options, handler_.get());
  for (const auto& [node, address] : options_.peers) transport_->SetPeerAddress(node, address);

  for (int i = 0; i < options_.driver_threads; ++i) {
    drivers_.push_back(
        std::make_shared<Driver>(i, options_.tick_interval, transport_.get(), store_.get()));
  }
  for (auto& driver : drivers_) driver->Start();

  address_ = options_.advertise_address;
  if (!options_.listen_address.empty()) {
    rpc::ServerOptions server_options;
    server_options.address = options_.listen_address;
    server_options.shutdown_grace = std::chrono::milliseconds(500);
    server_options.raw_protocols.push_back(raw_protocol());
    std::vector<grpc::Service*> services = options_.extra_services;
    services.push_back(transport_->service());
    CURVE_ASSIGN_OR_RETURN(server_, rpc::GrpcServer::Start(server_options, services));
    if (address_.empty()) {
      std::string host = options_.listen_address.substr(0, options_.listen_address.rfind(':'));
      address_ = host + ":" + std::to_string(server_->port());
    }
  }
  transport_->SetAdvertiseAddress(address_);
  log::Get("raft")->info("op=RaftServerStart node={} address={} data_dir={} drivers={}",
                         options_.node_id, address_, options_.data_dir, options_.driver_threads);
  return Status::Ok();
}

grpc::Service* RaftServer::service() { return transport_->service(); }

rpc::RawProtocol RaftServer::raw_protocol() {
  return {kRaftPreamble,
          [transport = transport_.get()](int fd) { transport->AcceptConnection(fd); }};
}

Driver* RaftServer::DriverFor(GroupId group) const {
  return drivers_[group % drivers_.size()].get();
}

StateMachine* RaftServer::StateMachineOf(GroupId group) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = groups_.find(group);
  return it == groups_.end() ? nullptr : it->second.state_machine;
}

void RaftServer::SetPeerAddress(NodeId node, const std::string& address) {
  transport_->SetPeerAddress(node, address);
}

Result<std::shared_ptr<RaftGroup>> RaftServer::CreateGroup(const GroupOptions& options) {
  if (options.state_machine == nullptr) {
    return InvalidArgumentError("raft group " + std::to_string(options.id) +
                                ": a state machine is required");
  }
  std::shared_ptr<Driver> driver = drivers_[options.id % drivers_.size()];
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_) return UnavailableError("raft server is shut down");
    if (groups_.count(options.id) != 0) {
      return AlreadyExistsError("raft group " + std::to_string(options.id) + " already hosted");
    }
    // Reserve the id; the state machine is reachable for snapshot streams from now on.
    groups_[options.id] = Hosted{nullptr, driver, options.state_machine};
  }
  ReplicaEnv env{options_.node_id, address_, transport_.get(), store_.get()};
  auto replica = std::make_shared<Replica>(options, env);
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> opened = promise->get_future();
  bool posted = driver->Post([driver = driver.get(), replica, promise] {
    Status status = replica->Open();
    if (status.ok()) driver->AddReplica(replica);
    promise->set_value(status);
  });
  Status status = posted ? opened.get() : UnavailableError("raft server is shutting down");
  std::lock_guard<std::mutex> lock(mu_);
  if (!status.ok()) {
    groups_.erase(options.id);
    return status.WithContext("open raft group " + std::to_string(options.id));
  }
  auto handle = std::make_shared<RaftGroup>(
      options.id, driver, replica,
      [transport = transport_.get()](NodeId node, const std::string& address) {
        transport->SetPeerAddress(node, address);
      });
  groups_[options.id].handle = handle;
  return handle;
}

Status RaftServer::RemoveGroup(GroupId group, bool destroy_log,
                               const std::function<void(const Entry&)>& visit) {
  std::shared_ptr<Driver> driver;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = groups_.find(group);
    if (it == groups_.end() || it->second.handle == nullptr) {
      return NotFoundError("raft group " + std::to_string(group) + " not hosted");
    }
    driver = it->second.driver;
    groups_.erase(it);
  }
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> removed = promise->get_future();
  bool posted = driver->Post(
      [driver = driver.get(), group, destroy_log, promise, store = store_.get(), &visit] {
        driver->RemoveReplica(group, UnavailableError("raft group " + std::to_string(group) +
                                                      " was removed from this node"));
        Status status;
        if (destroy_log && visit) {
          std::shared_ptr<GroupLog> log = store->Group(group);
          for (Index lo = log->FirstIndex(); status.ok() && lo <= log->LastIndex();) {
            Result<std::vector<Entry>> entries =
                log->Entries(lo, log->LastIndex() + 1, uint64_t{4} << 20);
            if (!entries.ok()) status = entries.status().WithContext("read log to remove");
            if (!status.ok() || entries->empty()) break;
            for (const Entry& e : *entries) visit(e);
            lo = entries->back().index + 1;
          }
        }
        if (destroy_log && status.ok()) {
          WriteBatch batch;
          batch.RemoveGroup(group);
          status = store->Write(std::move(batch));
        }
        promise->set_value(status);
      });
  return posted ? removed.get() : UnavailableError("raft server is shutting down");
}

std::shared_ptr<RaftGroup> RaftServer::Group(GroupId group) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = groups_.find(group);
  return it == groups_.end() ? nullptr : it->second.handle;
}

std::map<GroupId, GroupStatus> RaftServer::GetStatuses(std::chrono::milliseconds timeout) const {
  std::vector<std::future<std::vector<GroupStatus>>> answers;
  for (const auto& driver : drivers_) {
    auto promise = std::make_shared<std::promise<std::vector<GroupStatus>>>();
    std::future<std::vector<GroupStatus>> answer = promise->get_future();
    if (driver->Post(
            [driver = driver.get(), promise] { promise->set_value(driver->Statuses()); })) {
      answers.push_back(std::move(answer));
    }
  }
  std::map<GroupId, GroupStatus> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& answer : answers) {
    if (answer.wait_until(deadline) != std::future_status::ready) continue;
    for (GroupStatus& status : answer.get()) out.emplace(status.group, std::move(status));
  }
  return out;
}

std::vector<GroupId> RaftServer::Groups() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GroupId> ids;
  for (const auto& [id, hosted] : groups_) {
    if (hosted.handle != nullptr) ids.push_back(id);
  }
  return ids;
}

void RaftServer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_) return;
    shutdown_ = true;
  }
  if (transport_ != nullptr) transport_->Shutdown();
  if (server_ != nullptr) server_->Shutdown();
  for (auto& driver : drivers_) driver->Stop();
  log::Get("raft")->info("op=RaftServerStop node={}", options_.node_id);
}

RaftServerStats RaftServer::stats() const {
  RaftServerStats s;
  if (transport_ != nullptr) s.transport = transport_->stats();
  if (store_ != nullptr) s.storage = store_->stats();
  return s;
}

}  // namespace curve::raft
