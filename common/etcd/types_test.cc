#include "common/etcd/types.h"

#include <gtest/gtest.h>

#include "common/etcd/etcd_client.h"

namespace curve::etcd {
namespace {

TEST(PrefixEndTest, IncrementsTheLastByteThatCan) {
  EXPECT_EQ(PrefixEnd("/curve/"), "/curve0");
  EXPECT_EQ(PrefixEnd("a\xff"), "b");
  EXPECT_EQ(PrefixEnd(std::string("\xff\xff")), std::string(1, '\0'));
  EXPECT_EQ(PrefixEnd(""), std::string(1, '\0'));
}

TEST(EtcdOptionsTest, LoadsAndValidates) {
  auto source = config::ConfigSource::FromString(
      "etcd:\n  endpoints: [10.0.0.1:2379, 10.0.0.2:2379]\n  requestTimeout: 2s\n", "mds.yaml");
  ASSERT_TRUE(source.ok());
  EtcdOptions options;
  ASSERT_TRUE(options.Load(*source).ok());
  EXPECT_EQ(options.endpoints.size(), 2u);
  EXPECT_EQ(options.retry.attempt_timeout, std::chrono::seconds(2));

  auto empty = config::ConfigSource::FromString("etcd:\n  endpoints: ''\n", "mds.yaml");
  ASSERT_TRUE(empty.ok());
  Status status = options.Load(*empty);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("etcd.endpoints"), std::string::npos) << status;
}

TEST(EtcdClientTest, RejectsMalformedEndpoints) {
  EtcdOptions options;
  options.endpoints = {"localhost"};
  auto client = EtcdClient::Create(options);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("'localhost'"), std::string::npos);
  options.endpoints = {};
  EXPECT_EQ(EtcdClient::Create(options).status().code(), StatusCode::kInvalidArgument);
  options.endpoints = {"http://127.0.0.1:2379"};
  EXPECT_TRUE(EtcdClient::Create(options).ok());
}

TEST(EtcdClientTest, UnreachableEtcdIsUnavailableNamingTheEndpoint) {
  EtcdOptions options;
  options.endpoints = {"127.0.0.1:1"};
  options.retry.max_attempts = 2;
  options.retry.initial_backoff = std::chrono::milliseconds(1);
  options.retry.attempt_timeout = std::chrono::milliseconds(300);
  auto client = EtcdClient::Create(options);
  ASSERT_TRUE(client.ok());
  auto got = (*client)->Get("/x");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status();
  EXPECT_NE(got.status().message().find("127.0.0.1:1"), std::string::npos) << got.status();
}

}  // namespace
}  // namespace curve::etcd
