#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "common/etcd/etcd_client.h"
#include "common/testing/etcd_process.h"

namespace curve::etcd {

// One real etcd per test suite; each test works under its own key prefix.
class EtcdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto etcd = curve::testing::EtcdProcess::Start();
    ASSERT_TRUE(etcd.ok()) << etcd.status();
    etcd_ = std::move(etcd).value().release();
  }
  static void TearDownTestSuite() {
    delete etcd_;
    etcd_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(etcd_, nullptr);
    client_ = NewClient();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = std::string("/test/") + info->test_suite_name() + "/" + info->name() + "/";
  }

  static std::unique_ptr<EtcdClient> NewClient() {
    EtcdOptions options;
    options.endpoints = {etcd_->endpoint()};
    auto client = EtcdClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return std::move(client).value();
  }

  static inline curve::testing::EtcdProcess* etcd_ = nullptr;
  std::unique_ptr<EtcdClient> client_;
  std::string prefix_;
};

}  // namespace curve::etcd
