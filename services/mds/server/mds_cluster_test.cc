// Multi-process tests: 3 real curve-mds processes on one real etcd, driven through the client
// library and the `curve` CLI.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "common/testing/etcd_process.h"
#include "common/testing/subprocess.h"
#include "proto/mds/namespace.grpc.pb.h"
#include "proto/mds/topology.grpc.pb.h"
#include "services/mds/client/mds_client.h"
#include "services/mds/testing/mds_process.h"

namespace curve::mds {
namespace {

using curve::testing::Subprocess;
constexpr uint64_t kGiB = 1ull << 30;

class MdsClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto etcd = curve::testing::EtcdProcess::Start();
    ASSERT_TRUE(etcd.ok()) << etcd.status();
    etcd_ = std::move(etcd).value();
    for (int i = 0; i < 3; ++i) StartMds(i);
    MdsClientOptions options;
    options.addresses = addresses_;
    client_ = std::move(MdsClient::Create(options)).value();
  }

  void StartMds(int i) {
    testing::MdsProcessOptions options;
    options.binary = CURVE_MDS_BIN;
    options.etcd_endpoint = etcd_->endpoint();
    options.log_path = dir_.path() + "/mds" + std::to_string(i) + ".log";
    auto process = testing::MdsProcess::Start(options);
    ASSERT_TRUE(process.ok()) << process.status();
    addresses_.push_back((*process)->address());
    mds_.push_back(std::move(process).value());
  }

  Status Create(const std::string& path) {
    CreateFileRequest request;
    request.set_user("alice");
    request.set_path(path);
    request.set_type(FILE_TYPE_VOLUME);
    request.set_size(10 * kGiB);
    CreateFileResponse response;
    return client_->Call("CreateFile", [&](const auto& channel, grpc::ClientContext& context) {
      return NamespaceService::NewStub(channel)->CreateFile(&context, request, &response);
    });
  }

  Result<GetClusterHealthResponse> Health() {
    GetClusterHealthResponse response;
    Status status = client_->Call("Health", [&](const auto& channel, grpc::ClientContext& c) {
      return TopologyService::NewStub(channel)->GetClusterHealth(&c, {}, &response);
    });
    if (!status.ok()) return status;
    return response;
  }

  curve::testing::TempDir dir_;
  std::unique_ptr<curve::testing::EtcdProcess> etcd_;
  std::vector<std::string> addresses_;
  std::vector<std::unique_ptr<testing::MdsProcess>> mds_;
  std::unique_ptr<MdsClient> client_;
};

TEST_F(MdsClusterTest, KillLeaderClientsContinueNothingLost) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Create("/v" + std::to_string(i)).ok());
  auto health = Health();
  ASSERT_TRUE(health.ok()) << health.status();
  std::string leader = health->leader();
  size_t index = std::find(addresses_.begin(), addresses_.end(), leader) - addresses_.begin();
  ASSERT_LT(index, addresses_.size()) << leader;

  // A follower refuses, naming the leader.
  auto follower =
      grpc::CreateChannel(addresses_[(index + 1) % 3], grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  GetClusterHealthResponse ignored;
  auto refused = TopologyService::NewStub(follower)->GetClusterHealth(&context, {}, &ignored);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(refused.error_message().find("leader=" + leader), std::string::npos)
      << refused.error_message();

  auto killed_at = std::chrono::steady_clock::now();
  mds_[index]->Kill(SIGKILL);
  for (int i = 10; i < 20; ++i) {
    Status status = Create("/v" + std::to_string(i));
    ASSERT_TRUE(status.ok()) << status;
  }
  auto failover = std::chrono::steady_clock::now() - killed_at;
  EXPECT_LT(failover, std::chrono::seconds(8));
  auto after = Health();
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->leader(), leader);

  ListDirRequest request;
  request.set_user("alice");
  request.set_path("/");
  ListDirResponse response;
  ASSERT_TRUE(client_
                  ->Call("ListDir",
                         [&](const auto& channel, grpc::ClientContext& c) {
                           return NamespaceService::NewStub(channel)->ListDir(&c, request,
                                                                              &response);
                         })
                  .ok());
  EXPECT_EQ(response.files_size(), 20);
}

// Runs the CLI; returns exit code and stdout+stderr.
std::pair<int, std::string> Cli(const std::vector<std::string>& args, const std::string& dir) {
  std::vector<std::string> argv{CURVE_CLI_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string err_path = dir + "/cli.err";
  std::remove(err_path.c_str());
  auto process = Subprocess::Start(argv, err_path);
  if (!process.ok()) return {-1, process.status().ToString()};
  std::string output;
  while (auto line = process->ReadLine(std::chrono::seconds(30))) output += *line + "\n";
  auto status = process->Wait(std::chrono::seconds(30));
  std::ifstream err(err_path);
  output += std::string(std::istreambuf_iterator<char>(err), {});
  return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, output};
}

TEST_F(MdsClusterTest, CliCommandsAndBadInput) {
  std::string mds = "--mds=" + addresses_[0] + "," + addresses_[1] + "," + addresses_[2];
  std::string map = dir_.path() + "/cluster.yaml";
  std::ofstream(map) << "poolsets:\n  - {name: ssd, type: ssd}\n"
                        "pools:\n  - {name: pool1, poolset: ssd, copysetsPerChunkserver: 10}\n"
                        "servers:\n"
                        "  - {name: s1, host: 10.0.0.1, zone: z1, pool: pool1}\n"
                        "  - {name: s2, host: 10.0.0.2, zone: z2, pool: pool1}\n"
                        "  - {name: s3, host: 10.0.0.3, zone: z3, pool: pool1}\n";
  auto [code, out] = Cli({mds, "topology", "apply", "-f", map}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("created poolset ssd"), std::string::npos) << out;
  std::tie(code, out) = Cli({mds, "topology", "apply", "-f", map}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("topology unchanged"), std::string::npos) << out;
  std::tie(code, out) = Cli({mds, "topology", "show"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("10.0.0.3"), std::string::npos) << out;

  std::tie(code, out) =
      Cli({mds, "volume", "create", "vol1", "--size=10GiB", "--poolset=ssd"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = Cli({mds, "-o", "json", "volume", "stat", "vol1"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("\"size\": \"10737418240\""), std::string::npos) << out;
  std::tie(code, out) = Cli({mds, "volume", "extend", "vol1", "--size=20G"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("20 GiB"), std::string::npos) << out;
  std::tie(code, out) = Cli({mds, "volume", "list"}, dir_.path());
  EXPECT_NE(out.find("/vol1"), std::string::npos) << out;
  std::tie(code, out) = Cli({mds, "status"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("ssd"), std::string::npos) << out;

  struct Bad {
    std::vector<std::string> args;
    int code;
    std::string expect;
  };
  std::string conflict = dir_.path() + "/conflict.yaml";
  std::ofstream(conflict) << "poolsets:\n  - {name: ssd, type: hdd}\n";
  std::string typo = dir_.path() + "/typo.yaml";
  std::ofstream(typo) << "servers:\n  - {name: s1, hots: x, zone: z, pool: p}\n";
  std::vector<Bad> bad = {
      {{mds, "volume", "create", "vol1", "--size=10GiB"}, 1, "ALREADY_EXISTS"},
      {{mds, "volume", "create", "v2", "--size=10XB"}, 1, "--size"},
      {{mds, "volume", "create", "v2", "--size=1GiB"}, 1, "INVALID_ARGUMENT: size"},
      {{mds, "volume", "create", "v2", "--size=10GiB", "--poolset=nvme"},
       1,
       "NOT_FOUND: poolset nvme"},
      {{mds, "volume", "create", "bad name", "--size=10GiB"}, 1, "INVALID_ARGUMENT: path"},
      {{mds, "volume", "stat", "nope"}, 1, "NOT_FOUND: /nope"},
      {{mds, "volume", "extend", "vol1", "--size=10GiB"}, 1, "new_size"},
      {{mds, "volume", "delete"}, 1, "needs a NAME"},
      {{mds, "topology", "apply", "-f", conflict}, 1, "FAILED_PRECONDITION: poolset ssd"},
      {{mds, "topology", "apply", "-f", typo}, 1, "hots"},
      {{mds, "-o", "yaml", "status"}, 2, "expected table or json"},
      {{mds, "frobnicate"}, 2, "unknown command"},
      {{"--mds=127.0.0.1:1", "--timeout=500", "status"}, 1, "UNAVAILABLE"},
  };
  for (const auto& b : bad) {
    std::tie(code, out) = Cli(b.args, dir_.path());
    EXPECT_EQ(code, b.code) << b.args.back() << ": " << out;
    EXPECT_NE(out.find(b.expect), std::string::npos) << b.args.back() << ": " << out;
  }
  // Snapshots are listed read-only (curve-snapshotclone takes and ends them).
  std::tie(code, out) = Cli({mds, "-o", "json", "snapshot", "list", "vol1"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.find("sequence"), std::string::npos) << out;
  CreateSnapshotRequest snap;
  snap.set_user("root");
  snap.set_path("/vol1");
  CreateSnapshotResponse snapped;
  ASSERT_TRUE(client_
                  ->Call("CreateSnapshot",
                         [&](const auto& channel, grpc::ClientContext& c) {
                           return NamespaceService::NewStub(channel)->CreateSnapshot(&c, snap,
                                                                                     &snapped);
                         })
                  .ok());
  std::tie(code, out) = Cli({mds, "snapshot", "list", "vol1"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("/vol1"), std::string::npos) << out;
  EXPECT_NE(out.find("ready"), std::string::npos) << out;  // nobody holds the volume
  std::tie(code, out) = Cli({mds, "volume", "delete", "vol1"}, dir_.path());
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("FAILED_PRECONDITION: volume /vol1 has a snapshot at sequence 1"),
            std::string::npos)
      << out;
  DeleteSnapshotRequest unsnap;
  unsnap.set_user("root");
  unsnap.set_path("/vol1");
  unsnap.set_sequence(1);
  DeleteSnapshotResponse unsnapped;
  ASSERT_TRUE(client_
                  ->Call("DeleteSnapshot",
                         [&](const auto& channel, grpc::ClientContext& c) {
                           return NamespaceService::NewStub(channel)->DeleteSnapshot(&c, unsnap,
                                                                                     &unsnapped);
                         })
                  .ok());

  std::tie(code, out) = Cli({mds, "volume", "delete", "vol1"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("recycle bin"), std::string::npos) << out;

  // Directories and the recycle bin.
  std::tie(code, out) = Cli({mds, "mkdir", "team"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("created directory /team"), std::string::npos) << out;
  std::tie(code, out) = Cli({mds, "-o", "json", "recycle", "list"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  auto id_at = out.find("\"id\": \"");
  ASSERT_NE(id_at, std::string::npos) << out;
  std::string id = out.substr(id_at + 7, out.find('"', id_at + 7) - id_at - 7);
  std::tie(code, out) = Cli({mds, "recycle", "list"}, dir_.path());
  EXPECT_NE(out.find("/vol1"), std::string::npos) << out;
  std::tie(code, out) = Cli({mds, "recycle", "recover", id, "--to=/team/vol1"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("/team/vol1"), std::string::npos) << out;
  std::tie(code, out) = Cli({mds, "volume", "delete", "team/vol1"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = Cli({mds, "recycle", "purge", id}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = Cli({mds, "-o", "json", "recycle", "list"}, dir_.path());
  EXPECT_EQ(out.find("\"id\": \"" + id + "\""), std::string::npos) << out;

  // --config FILE instead of --mds.
  std::string config = dir_.path() + "/curve.yaml";
  std::ofstream(config) << "mds:\n  addresses: [" << addresses_[2] << ", " << addresses_[0]
                        << "]\n";
  std::tie(code, out) = Cli({"--config=" + config, "volume", "list", "/team"}, dir_.path());
  EXPECT_EQ(code, 0) << out;
  std::string empty_config = dir_.path() + "/empty.yaml";
  std::ofstream(empty_config) << "mds:\n  addresses: []\n";
  std::string typo_config = dir_.path() + "/typo.yaml";
  std::ofstream(typo_config) << "mds:\n  adresses: [a:1]\n";

  std::vector<Bad> more = {
      {{mds, "mkdir"}, 1, "needs a DIR"},
      {{mds, "mkdir", "team"}, 1, "ALREADY_EXISTS: /team"},
      {{mds, "mkdir", "nope/sub"}, 1, "NOT_FOUND: parent directory /nope"},
      {{mds, "recycle", "purge"}, 1, "needs an ID"},
      {{mds, "recycle", "purge", "x1"}, 1, "ID 'x1' is not a number"},
      {{mds, "recycle", "purge", id}, 1, "NOT_FOUND: file_id " + id},
      {{mds, "recycle", "recover", "999999"}, 1, "NOT_FOUND: file_id 999999"},
      {{mds, "recycle", "shred"}, 1, "unknown recycle command"},
      {{mds, "snapshot", "list"}, 1, "snapshot list needs a NAME"},
      {{mds, "snapshot", "list", "nope"}, 1, "NOT_FOUND: /nope"},
      {{mds, "snapshot", "create", "team"}, 1, "unknown snapshot command"},
      {{mds, "chunkserver", "retire", "55"}, 1, "NOT_FOUND: chunkserver_id 55"},
      {{mds, "chunkserver", "retire"}, 1, "needs an ID"},
      {{"--config=" + dir_.path() + "/missing.yaml", "status"}, 2, "missing.yaml"},
      {{"--config=" + empty_config, "status"}, 2, "mds.addresses"},
      {{"--config=" + typo_config, "status"}, 2, "adresses"},
  };
  for (const auto& b : more) {
    std::tie(code, out) = Cli(b.args, dir_.path());
    EXPECT_EQ(code, b.code) << b.args.back() << ": " << out;
    EXPECT_NE(out.find(b.expect), std::string::npos) << b.args.back() << ": " << out;
  }
}

}  // namespace
}  // namespace curve::mds
