// Two curve-snapshotclone replicas in one process against a real etcd and MinIO (no cluster:
// only actions that need none): both serve the HTTP API from the shared records, exactly one
// leads, and the other takes over when the leader stops.
#include "services/snapshotclone/snapshotclone_server.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/s3/testing/minio_process.h"
#include "common/testing/etcd_process.h"
#include "common/testing/subprocess.h"
#include "services/snapshotclone/testing/http_get.h"

namespace curve::snapshotclone {
namespace {

using curve::testing::PickFreePort;
using curve::testing::PollUntil;

class SnapshotCloneServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto minio = s3::testing::MinioProcess::Start(dir_.path());
    ASSERT_TRUE(minio.ok()) << minio.status();
    minio_ = std::move(minio).value();
    auto etcd = curve::testing::EtcdProcess::Start();
    ASSERT_TRUE(etcd.ok()) << etcd.status();
    etcd_ = std::move(etcd).value();
  }

  SnapshotCloneOptions Options(int port) {
    SnapshotCloneOptions options;
    options.listen = "127.0.0.1:" + std::to_string(port);
    options.dummy_port = 0;
    options.mds_addresses = {"127.0.0.1:1"};
    options.etcd.endpoints = {etcd_->endpoint()};
    options.election_ttl = std::chrono::seconds(2);
    options.s3 = minio_->Options("snapshotclone-test");
    return options;
  }

  nlohmann::json List(int port) {
    auto answer = testing::HttpGet(
        port, "/SnapshotCloneService?Action=GetFileSnapshotList&Version=0.0.6&User=alice");
    EXPECT_TRUE(answer.ok()) << answer.status();
    if (!answer.ok()) return {};
    EXPECT_EQ(answer->status, 200) << answer->body;
    return nlohmann::json::parse(answer->body, nullptr, false);
  }

  curve::testing::TempDir dir_;
  std::unique_ptr<s3::testing::MinioProcess> minio_;
  std::unique_ptr<curve::testing::EtcdProcess> etcd_;
};

TEST_F(SnapshotCloneServerTest, EveryReplicaServesOneLeads) {
  const int port_a = PickFreePort(), port_b = PickFreePort();
  auto a = SnapshotCloneServer::Start(Options(port_a));
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = SnapshotCloneServer::Start(Options(port_b));
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE(
      PollUntil([&] { return (*a)->leading() || (*b)->leading(); }, std::chrono::seconds(20)));
  EXPECT_NE((*a)->leading(), (*b)->leading());
  EXPECT_EQ(List(port_a)["Code"], "0");
  EXPECT_EQ(List(port_b)["TotalCount"], 0);
  EXPECT_GT((*a)->metrics_port(), 0);

  auto& leader = (*a)->leading() ? *a : *b;
  auto& follower = (*a)->leading() ? *b : *a;
  const int follower_port = (*a)->leading() ? port_b : port_a;
  leader->Stop();
  EXPECT_TRUE(PollUntil([&] { return follower->leading(); }, std::chrono::seconds(20)));
  EXPECT_EQ(List(follower_port)["Code"], "0");
}

TEST_F(SnapshotCloneServerTest, AnUnreachableS3FailsTheStart) {
  SnapshotCloneOptions options = Options(PickFreePort());
  options.s3.endpoint = "http://127.0.0.1:" + std::to_string(PickFreePort());
  options.s3.max_attempts = 1;
  options.s3.timeout_seconds = 2;
  auto server = SnapshotCloneServer::Start(options);
  EXPECT_FALSE(server.ok());
}

}  // namespace
}  // namespace curve::snapshotclone
