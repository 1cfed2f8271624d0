#include "services/snapshotclone/snapshotclone_options.h"

#include <gtest/gtest.h>

namespace curve::snapshotclone {
namespace {

// The keys the operator writes (operator/snapshotclone/snapshotclone_builder.cc).
constexpr const char* kOperatorConfig = R"(etcd.endpoints: "10.0.0.1:2379,10.0.0.2:2379"
mds.listen.addr: "10.0.0.1:6700,10.0.0.2:6700"
s3.nos_address: "http://minio:9000"
s3.snapshot_bucket_name: "curve"
server.dummy_port: "8081"
server.port: "5555"
server.proxy_port: "8080"
)";

TEST(SnapshotCloneOptionsTest, LoadsTheOperatorsConfig) {
  auto source = config::ConfigSource::FromString(kOperatorConfig, "snapshotclone.conf");
  ASSERT_TRUE(source.ok()) << source.status();
  source->Set("listen", "10.0.0.1:5555", "flag --listen");
  SnapshotCloneOptions options;
  ASSERT_TRUE(options.Load(*source).ok());
  EXPECT_TRUE(source->CheckNoUnknownKeys().ok()) << source->CheckNoUnknownKeys();
  EXPECT_EQ(options.listen, "10.0.0.1:5555");
  EXPECT_EQ(options.mds_addresses, (std::vector<std::string>{"10.0.0.1:6700", "10.0.0.2:6700"}));
  EXPECT_EQ(options.etcd.endpoints.size(), 2u);
  EXPECT_EQ(options.s3.endpoint, "http://minio:9000");
  EXPECT_EQ(options.s3.bucket, "curve");
  EXPECT_EQ(options.MetricsAddress(), "10.0.0.1:8081");
}

TEST(SnapshotCloneOptionsTest, ListenDefaultsToServerPort) {
  auto source = config::ConfigSource::FromString(kOperatorConfig, "snapshotclone.conf");
  ASSERT_TRUE(source.ok());
  SnapshotCloneOptions options;
  ASSERT_TRUE(options.Load(*source).ok());
  EXPECT_EQ(options.listen, "0.0.0.0:5555");
}

TEST(SnapshotCloneOptionsTest, ErrorsNameTheKey) {
  struct Case {
    std::string yaml;
    std::string key;
  };
  const std::string base =
      "etcd.endpoints: a:1\ns3.nos_address: http://s3\n"
      "s3.snapshot_bucket_name: b\n";
  std::vector<Case> cases = {
      {base, "mds.listen.addr"},
      {base + "mds.listen.addr: m:1\nserver.port: 70000\n", "server.port"},
      {"mds.listen.addr: m:1\netcd.endpoints: a:1\ns3.snapshot_bucket_name: b\n", "s3.nos_address"},
      {"mds.listen.addr: m:1\netcd.endpoints: a:1\ns3.nos_address: x\n", "s3.snapshot_bucket_name"},
      {base + "mds.listen.addr: m:1\nworker.maxTasks: 0\n", "worker.maxTasks"},
      {base + "mds.listen.addr: m:1\nprefix: /no-slash\n", "prefix"},
  };
  for (const auto& c : cases) {
    auto source = config::ConfigSource::FromString(c.yaml, "test.conf");
    ASSERT_TRUE(source.ok()) << source.status();
    SnapshotCloneOptions options;
    Status status = options.Load(*source);
    EXPECT_FALSE(status.ok()) << c.key;
    EXPECT_NE(status.message().find(c.key), std::string::npos) << status;
  }
  auto source = config::ConfigSource::FromString(base + "mds.listen.addr: m:1\ns3.typo: 1\n", "t");
  ASSERT_TRUE(source.ok());
  SnapshotCloneOptions options;
  ASSERT_TRUE(options.Load(*source).ok());
  EXPECT_FALSE(source->CheckNoUnknownKeys().ok());
}

}  // namespace
}  // namespace curve::snapshotclone
