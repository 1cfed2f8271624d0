// mds_bench: volume create latency and throughput of curve-mds against a real local etcd, and
// the failover time of 3 replicas, each beside a reference measured in the same run (raw etcd
// transactions of the same shape through common/etcd's client, and 2 election lease TTLs).
//
//   mds_bench [--creates=300] [--volumes=1000] [--clients=8] [--electionTtl=2000]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/etcd/etcd_client.h"
#include "common/logging.h"
#include "common/testing/etcd_process.h"
#include "proto/mds/namespace.grpc.pb.h"
#include "proto/mds/topology.grpc.pb.h"
#include "services/mds/client/mds_client.h"
#include "services/mds/testing/mds_process.h"

namespace curve::mds {
namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::duration<double, std::milli>;
constexpr uint64_t kGiB = 1ull << 30;

struct Options {
  int creates = 300;
  int volumes = 1000;
  int clients = 8;
  std::chrono::milliseconds election_ttl{2000};
};

[[noreturn]] void Die(const std::string& what, const Status& status) {
  std::cerr << "mds_bench: " << what << ": " << status << std::endl;
  std::exit(1);
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

// The shape of a volume create in EtcdNamespaceStore: one transaction putting the file record
// when its name is missing (file ids come from blocks reserved ahead).
Status RawCreateTxn(etcd::EtcdClient& client, const std::string& name) {
  std::string key = "/bench/raw/file/" + name;
  auto txn = client.Txn({etcd::Compare::Missing(key)}, {etcd::Op::Put(key, std::string(160, 'x'))});
  if (!txn.ok()) return txn.status();
  if (!txn->succeeded) return AlreadyExistsError(name);
  return Status::Ok();
}

Status Create(MdsClient& client, const std::string& path) {
  CreateFileRequest request;
  request.set_user("bench");
  request.set_path(path);
  request.set_type(FILE_TYPE_VOLUME);
  request.set_size(10 * kGiB);
  CreateFileResponse response;
  return client.Call(
      "CreateFile",
      [&](const auto& channel, grpc::ClientContext& context) {
        return NamespaceService::NewStub(channel)->CreateFile(&context, request, &response);
      },
      false);
}

std::unique_ptr<MdsClient> NewClient(const std::vector<std::string>& addresses) {
  MdsClientOptions options;
  options.addresses = addresses;
  auto client = MdsClient::Create(options);
  if (!client.ok()) Die("MdsClient", client.status());
  return std::move(client).value();
}

std::unique_ptr<etcd::EtcdClient> NewEtcd(const std::string& endpoint) {
  etcd::EtcdOptions options;
  options.endpoints = {endpoint};
  auto client = etcd::EtcdClient::Create(options);
  if (!client.ok()) Die("EtcdClient", client.status());
  return std::move(client).value();
}

// Runs `op(client, index)` `total` times split over `clients` threads; returns ops per second.
template <typename MakeClient, typename Op>
double Throughput(int clients, int total, MakeClient make_client, Op op) {
  std::vector<decltype(make_client())> handles;
  for (int c = 0; c < clients; ++c) handles.push_back(make_client());
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = next++; i < total; i = next++) {
        if (!op(*handles[c], c, i).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (failures > 0) Die("throughput run", InternalError(std::to_string(failures) + " failures"));
  return total / seconds;
}

// Asks `address` directly (no failover) whether it answers as leader.
bool AnswersAsLeader(const std::string& address) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  GetClusterHealthResponse response;
  return TopologyService::NewStub(channel)->GetClusterHealth(&context, {}, &response).ok();
}

void Row(const std::string& metric, const std::string& value, const std::string& reference,
         const std::string& target) {
  std::printf("| %-36s | %-14s | %-34s | %-16s |\n", metric.c_str(), value.c_str(),
              reference.c_str(), target.c_str());
}

std::string Verdict(bool ok, const std::string& target) {
  return target + (ok ? " ok" : " MISSED");
}

int Run(const Options& options) {
  auto etcd = curve::testing::EtcdProcess::Start();
  if (!etcd.ok()) Die("etcd", etcd.status());
  std::string endpoint = (*etcd)->endpoint();
  curve::testing::TempDir dir;

  // Reference: raw etcd writes through the same client library, same machine, same run.
  auto raw = NewEtcd(endpoint);
  std::vector<double> put_ms, txn_ms;
  for (int i = 0; i < options.creates; ++i) {
    auto start = Clock::now();
    auto put = raw->Put("/bench/raw/put/" + std::to_string(i), std::string(160, 'x'));
    put_ms.push_back(Millis(Clock::now() - start).count());
    if (!put.ok()) Die("raw put", put.status());
    start = Clock::now();
    Status status = RawCreateTxn(*raw, "seq-" + std::to_string(i));
    txn_ms.push_back(Millis(Clock::now() - start).count());
    if (!status.ok()) Die("raw txn", status);
  }
  double raw_rate = Throughput(
      options.clients, options.volumes, [&] { return NewEtcd(endpoint); },
      [](etcd::EtcdClient& client, int c, int i) {
        return RawCreateTxn(client, "par" + std::to_string(c) + "-" + std::to_string(i));
      });

  // Three curve-mds replicas.
  std::vector<std::unique_ptr<testing::MdsProcess>> mds;
  std::vector<std::string> addresses;
  for (int i = 0; i < 3; ++i) {
    testing::MdsProcessOptions process;
    process.binary = testing::FindMdsBinary(CURVE_MDS_BIN);
    process.etcd_endpoint = endpoint;
    process.log_path = dir.path() + "/mds" + std::to_string(i) + ".log";
    process.election_ttl = options.election_ttl;
    process.extra_flags = {"--log-level=warn"};
    auto started = testing::MdsProcess::Start(process);
    if (!started.ok()) Die("curve-mds", started.status());
    addresses.push_back((*started)->address());
    mds.push_back(std::move(started).value());
  }
  auto client = NewClient(addresses);
  if (Status s = Create(*client, "/warmup"); !s.ok()) Die("first create", s);

  std::vector<double> create_ms;
  for (int i = 0; i < options.creates; ++i) {
    auto start = Clock::now();
    Status status = Create(*client, "/seq-" + std::to_string(i));
    create_ms.push_back(Millis(Clock::now() - start).count());
    if (!status.ok()) Die("create", status);
  }
  double mds_rate = Throughput(
      options.clients, options.volumes, [&] { return NewClient(addresses); },
      [](MdsClient& c, int t, int i) {
        return Create(c, "/par" + std::to_string(t) + "-" + std::to_string(i));
      });

  // Failover: kill -9 the leader, time until another replica answers as leader.
  std::string leader = client->leader();
  size_t index = std::find(addresses.begin(), addresses.end(), leader) - addresses.begin();
  if (index >= addresses.size()) Die("leader", InternalError("unknown leader " + leader));
  auto killed_at = Clock::now();
  mds[index]->Kill(SIGKILL);
  bool elected = false;
  while (!elected && Clock::now() - killed_at < options.election_ttl * 10) {
    for (size_t i = 0; i < addresses.size() && !elected; ++i) {
      if (i != index) elected = AnswersAsLeader(addresses[i]);
    }
    if (!elected) curve::testing::SleepForPoll();
  }
  double failover_ms = Millis(Clock::now() - killed_at).count();
  if (!elected) Die("failover", UnavailableError("no new leader"));
  if (Status s = Create(*client, "/after-failover"); !s.ok()) Die("create after failover", s);

  double ttl_ms = static_cast<double>(options.election_ttl.count());
  double p50 = Percentile(create_ms, 0.5), p99 = Percentile(create_ms, 0.99);
  std::printf("curve-mds: 3 replicas on one local etcd (%s), election TTL %.1f s\n",
              endpoint.c_str(), ttl_ms / 1000);
  Row("metric", "curve-mds", "reference (same run)", "target");
  std::printf("|%s|%s|%s|%s|\n", std::string(38, '-').c_str(), std::string(16, '-').c_str(),
              std::string(36, '-').c_str(), std::string(18, '-').c_str());
  Row("volume create p50 (1 client, n=" + std::to_string(options.creates) + ")",
      Format("%.2f ms", p50),
      "etcd txn p50 " + Format("%.2f ms", Percentile(txn_ms, 0.5)) + ", put " +
          Format("%.2f ms", Percentile(put_ms, 0.5)),
      Verdict(p50 < 5, "< 5 ms"));
  Row("volume create p99 (1 client)", Format("%.2f ms", p99),
      "etcd txn p99 " + Format("%.2f ms", Percentile(txn_ms, 0.99)), "-");
  Row(std::to_string(options.volumes) + " creates, " + std::to_string(options.clients) + " clients",
      Format("%.0f /s", mds_rate), "etcd txns, same clients " + Format("%.0f /s", raw_rate),
      Verdict(mds_rate > 500, "> 500 /s"));
  Row("failover (kill -9 leader)", Format("%.2f s", failover_ms / 1000),
      "2 x lease TTL " + Format("%.2f s", 2 * ttl_ms / 1000),
      Verdict(failover_ms < 2 * ttl_ms, "< 2 TTL"));
  return 0;
}

}  // namespace
}  // namespace curve::mds

int main(int argc, char** argv) {
  auto command_line = curve::config::ParseFlags(argc, argv);
  if (!command_line.ok()) {
    std::cerr << "mds_bench: " << command_line.status() << std::endl;
    return 2;
  }
  curve::mds::Options options;
  bool flags_ok = true;
  auto flag = [&](const char* name, int* value) {
    auto text = command_line->Flag(name);
    if (!text) return;
    auto parsed = curve::config::ParseInteger(std::string("--") + name, *text, 1, 1000000);
    if (!parsed.ok()) {
      std::cerr << "mds_bench: " << parsed.status().message() << std::endl;
      flags_ok = false;
      return;
    }
    *value = static_cast<int>(*parsed);
  };
  flag("creates", &options.creates);
  flag("volumes", &options.volumes);
  flag("clients", &options.clients);
  int ttl = static_cast<int>(options.election_ttl.count());
  flag("electionTtl", &ttl);
  if (!flags_ok) return 2;
  options.election_ttl = std::chrono::milliseconds(std::max(ttl, 1000));
  curve::log::LogOptions log_options;
  log_options.level = "warn";
  (void)curve::log::Init(log_options);
  return curve::mds::Run(options);
}
