#include "common/etcd/election.h"

#include <signal.h>

#include <mutex>
#include <thread>

#include "common/etcd/etcd_test_fixture.h"
#include "common/etcd/lease_keeper.h"

namespace curve::etcd {
namespace {

std::unique_ptr<LeaseKeeper> Keep(EtcdClient& client) {
  auto keeper = LeaseKeeper::Start(client, std::chrono::seconds(5));
  EXPECT_TRUE(keeper.ok()) << keeper.status();
  return std::move(keeper).value();
}

TEST_F(EtcdTest, FirstCandidateLeadsUntilItResigns) {
  auto client_b = NewClient();
  auto lease_a = Keep(*client_);
  auto lease_b = Keep(*client_b);
  Election a(*client_, prefix_);
  Election b(*client_b, prefix_);

  std::mutex mu;
  std::vector<std::string> observed;
  auto observer = a.Observe([&](const std::optional<LeaderInfo>& leader) {
    std::lock_guard<std::mutex> lock(mu);
    observed.push_back(leader ? leader->value : "<none>");
  });
  ASSERT_TRUE(observer.ok()) << observer.status();

  ASSERT_TRUE(a.Campaign(*lease_a, "a:1", std::chrono::seconds(5)).ok());
  Status waiting = b.Campaign(*lease_b, "b:1", std::chrono::milliseconds(300));
  EXPECT_EQ(waiting.code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(waiting.message().find("a:1"), std::string::npos) << waiting;
  EXPECT_EQ((*a.Leader())->value, "a:1");

  // Re-campaigning as leader only updates the published value.
  ASSERT_TRUE(a.Campaign(*lease_a, "a:2", std::chrono::seconds(5)).ok());
  EXPECT_EQ((*b.Leader())->value, "a:2");

  Status b_result;
  std::thread b_campaign([&] { b_result = b.Campaign(*lease_b, "b:1", std::chrono::seconds(10)); });
  ASSERT_TRUE(a.Resign().ok());
  b_campaign.join();
  EXPECT_TRUE(b_result.ok()) << b_result;
  EXPECT_EQ((*a.Leader())->value, "b:1");
  // The observer reports the leader it reads after each change (the latest, not every one):
  // let it see b before b resigns.
  ASSERT_TRUE(curve::testing::PollUntil(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return !observed.empty() && observed.back() == "b:1";
      },
      std::chrono::seconds(5)));

  ASSERT_TRUE(b.Resign().ok());
  EXPECT_FALSE(a.Leader()->has_value());
  ASSERT_TRUE(curve::testing::PollUntil(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return !observed.empty() && observed.back() == "<none>";
      },
      std::chrono::seconds(5)));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(observed, (std::vector<std::string>{"<none>", "a:1", "a:2", "b:1", "<none>"}));
}

TEST_F(EtcdTest, CampaignAbortsWhenTheLeaseIsLost) {
  auto client_b = NewClient();
  auto lease_a = Keep(*client_);
  auto lease_b = Keep(*client_b);
  Election a(*client_, prefix_);
  Election b(*client_b, prefix_);
  ASSERT_TRUE(a.Campaign(*lease_a, "a", std::chrono::seconds(5)).ok());
  Status b_result;
  std::thread b_campaign([&] { b_result = b.Campaign(*lease_b, "b", std::chrono::seconds(20)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let b start waiting
  ASSERT_TRUE(client_b->RevokeLease(lease_b->id()).ok());
  b_campaign.join();
  EXPECT_EQ(b_result.code(), StatusCode::kAborted) << b_result;
  EXPECT_EQ((*a.Leader())->value, "a");
}

// Three processes campaign; the leader is killed with SIGKILL; another takes over within two
// lease TTLs.
TEST_F(EtcdTest, ElectionFailsOverWithinTwoLeaseTtls) {
  constexpr int kTtlSeconds = 2;
  std::vector<curve::testing::Subprocess> peers;
  for (const char* name : {"p0", "p1", "p2"}) {
    auto peer = curve::testing::Subprocess::Start(
        {ETCD_TEST_PEER, "campaign", "--endpoints=" + etcd_->endpoint(), "--prefix=" + prefix_,
         std::string("--name=") + name, "--ttl=" + std::to_string(kTtlSeconds)});
    ASSERT_TRUE(peer.ok()) << peer.status();
    ASSERT_EQ(peer->ReadLine(std::chrono::seconds(10)), std::string("candidate ") + name);
    peers.push_back(std::move(peer).value());
  }
  // Find the leader: exactly one peer says so.
  auto find_leader = [&](std::chrono::milliseconds timeout) -> int {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (size_t i = 0; i < peers.size(); ++i) {
        if (!peers[i].running()) continue;
        auto line = peers[i].ReadLine(std::chrono::milliseconds(10));
        if (line && line->rfind("leader ", 0) == 0) return static_cast<int>(i);
      }
    }
    return -1;
  };
  int first = find_leader(std::chrono::seconds(10));
  ASSERT_GE(first, 0);
  Election observer(*client_, prefix_);
  EXPECT_EQ((*observer.Leader())->value, "p" + std::to_string(first));

  auto killed_at = std::chrono::steady_clock::now();
  peers[first].Kill(SIGKILL);
  int second = find_leader(std::chrono::seconds(2 * kTtlSeconds + 2));
  auto failover = std::chrono::steady_clock::now() - killed_at;
  ASSERT_GE(second, 0) << "no new leader";
  EXPECT_NE(second, first);
  EXPECT_LE(failover, std::chrono::seconds(2 * kTtlSeconds))
      << std::chrono::duration_cast<std::chrono::milliseconds>(failover).count() << "ms";
  EXPECT_EQ((*observer.Leader())->value, "p" + std::to_string(second));
  // Nobody else claims leadership.
  for (size_t i = 0; i < peers.size(); ++i) {
    if (static_cast<int>(i) == first || static_cast<int>(i) == second) continue;
    EXPECT_FALSE(peers[i].ReadLine(std::chrono::milliseconds(200)).has_value());
  }
}

}  // namespace
}  // namespace curve::etcd
