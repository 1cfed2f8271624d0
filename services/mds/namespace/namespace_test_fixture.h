#pragma once

// The fixture of the namespace tests: a NamespaceManager on either store ("fake" or "etcd", the
// test parameter; one etcd per suite, a key prefix per test), fake pools and a fake clock.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/etcd/etcd_client.h"
#include "common/testing/etcd_process.h"
#include "services/mds/namespace/namespace_manager.h"

namespace curve::mds {

inline constexpr uint64_t kGiB = 1ull << 30;

// Two poolsets: "ssd" with logical pools 1 (copysets 1..4) and 2 (copysets 5..8), "hdd" with
// pool 3 (copysets 100..102). Usage ratios are settable.
struct FakePools {
  double used[4] = {0, 0, 0, 0};
  Result<std::vector<PoolView>> operator()(const std::string& poolset) const {
    if (poolset == "ssd") {
      return std::vector<PoolView>{{1, {1, 2, 3, 4}, used[1]}, {2, {5, 6, 7, 8}, used[2]}};
    }
    if (poolset == "hdd") return std::vector<PoolView>{{3, {100, 101, 102}, used[3]}};
    if (poolset == "default") return std::vector<PoolView>{};
    return NotFoundError("poolset " + poolset + " does not exist");
  }
};

class NamespaceTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    auto etcd = curve::testing::EtcdProcess::Start();
    ASSERT_TRUE(etcd.ok()) << etcd.status();
    etcd_ = std::move(etcd).value().release();
  }
  static void TearDownTestSuite() { delete etcd_; }

  void SetUp() override {
    if (GetParam() == "etcd") {
      etcd::EtcdOptions options;
      options.endpoints = {etcd_->endpoint()};
      client_ = std::move(etcd::EtcdClient::Create(options)).value();
      const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
      store_ = std::make_unique<EtcdNamespaceStore>(*client_,
                                                    std::string("/test/") + info->name() + "/");
    } else {
      store_ = std::make_unique<FakeNamespaceStore>();
    }
    NamespaceOptions options;
    options.segment_size = kGiB;
    options.chunk_size = 256u << 20;  // 4 chunks per segment keeps tests small
    options.session_ttl = std::chrono::seconds(5);
    manager_ = std::make_unique<NamespaceManager>(
        *store_, [this](const std::string& p) { return pools_(p); }, clock_, options);
  }

  static inline curve::testing::EtcdProcess* etcd_ = nullptr;
  std::unique_ptr<etcd::EtcdClient> client_;
  std::unique_ptr<NamespaceStore> store_;
  FakePools pools_;
  FakeClock clock_;
  std::unique_ptr<NamespaceManager> manager_;
};

}  // namespace curve::mds
