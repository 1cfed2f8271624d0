// A helper process for multi-process etcd tests; it runs until killed.
//   etcd_test_peer hold-lease --endpoints=E --key=K --ttl=S   prints "ready <lease id>"
//   etcd_test_peer campaign --endpoints=E --prefix=P --name=N --ttl=S   prints "leader <name>"
#include <cstdio>
#include <iostream>
#include <thread>

#include "common/config.h"
#include "common/etcd/election.h"
#include "common/etcd/etcd_client.h"
#include "common/etcd/lease_keeper.h"

namespace {

int Fail(const curve::Status& status) {
  std::cerr << "etcd_test_peer: " << status << std::endl;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto command_line = curve::config::ParseCommandLine(argc, argv);
  if (!command_line.ok() || command_line->positional.size() != 1) {
    std::cerr << "usage: etcd_test_peer hold-lease|campaign --endpoints=E [--key|--prefix|--name]"
              << std::endl;
    return 2;
  }
  curve::etcd::EtcdOptions options;
  options.endpoints = {command_line->Flag("endpoints").value_or("127.0.0.1:2379")};
  auto client = curve::etcd::EtcdClient::Create(options);
  if (!client.ok()) return Fail(client.status());
  std::chrono::seconds ttl(std::stoi(command_line->Flag("ttl").value_or("2")));
  auto lease = curve::etcd::LeaseKeeper::Start(**client, ttl);
  if (!lease.ok()) return Fail(lease.status());

  const std::string& mode = command_line->positional[0];
  if (mode == "hold-lease") {
    std::string key = command_line->Flag("key").value_or("/test/holder");
    auto put = (*client)->Put(key, "held", (*lease)->id());
    if (!put.ok()) return Fail(put.status());
    std::cout << "ready " << (*lease)->id() << std::endl;
  } else if (mode == "campaign") {
    curve::etcd::Election election(**client, command_line->Flag("prefix").value_or("/test/e/"));
    std::string name = command_line->Flag("name").value_or("peer");
    std::cout << "candidate " << name << std::endl;
    curve::Status status = election.Campaign(**lease, name, std::chrono::minutes(10));
    if (!status.ok()) return Fail(status);
    std::cout << "leader " << name << std::endl;
  } else {
    std::cerr << "unknown mode " << mode << ": expected hold-lease or campaign" << std::endl;
    return 2;
  }
  if ((*lease)->WaitLost(std::chrono::hours(1))) {
    std::cout << "lost" << std::endl;
    return 3;
  }
  return 0;
}
