#pragma once

// A gtest fixture for multi-process tests on curve volumes: curve-csi --mode=all
// --attacher=curve on a LocalCluster (CsiCluster), and a client of it. Skips without root or
// /dev/fuse; TearDown unmounts and detaches what the test left (CsiCluster::CleanUpMountsAndLoops).
// Needs CURVE_MDS_BIN and CURVE_CSI_BIN defined.

#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "csi/testing/csi_client.h"
#include "csi/testing/csi_cluster.h"

namespace curve::csi::testing {

class CurveCsiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root, /dev/fuse and loop devices";
    }
    CsiClusterOptions options;
    options.mds_bin = CURVE_MDS_BIN;
    options.csi_bin = CURVE_CSI_BIN;
    options.attacher = "curve";
    auto cluster = CsiCluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(cluster).value();
    client_ = std::make_unique<CsiClient>(cluster_->endpoint());
  }
  void TearDown() override {
    if (cluster_) {
      std::string cleaned = cluster_->CleanUpMountsAndLoops();
      if (!cleaned.empty()) std::cerr << "cleanup:\n" << cleaned;
    }
  }

  std::unique_ptr<CsiCluster> cluster_;
  std::unique_ptr<CsiClient> client_;
};

}  // namespace curve::csi::testing
