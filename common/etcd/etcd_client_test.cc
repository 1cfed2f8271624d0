#include "common/etcd/etcd_client.h"

#include <signal.h>

#include <barrier>
#include <thread>

#include "common/etcd/etcd_test_fixture.h"
#include "common/etcd/lease_keeper.h"

namespace curve::etcd {
namespace {

TEST_F(EtcdTest, PutGetDelete) {
  std::string key = prefix_ + "k";
  auto missing = client_->Get(key);
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(missing->has_value());

  auto rev1 = client_->Put(key, "v1");
  ASSERT_TRUE(rev1.ok()) << rev1.status();
  auto rev2 = client_->Put(key, std::string("v2\0binary", 9));
  ASSERT_TRUE(rev2.ok());
  EXPECT_GT(*rev2, *rev1);

  auto got = client_->Get(key);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->value, std::string("v2\0binary", 9));
  EXPECT_EQ((*got)->version, 2);
  EXPECT_EQ((*got)->create_revision, *rev1);
  EXPECT_EQ((*got)->mod_revision, *rev2);

  EXPECT_EQ(*client_->Delete(key), 1);
  EXPECT_EQ(*client_->Delete(key), 0);
  EXPECT_FALSE(client_->Get(key)->has_value());
}

TEST_F(EtcdTest, FailsOverToTheNextEndpoint) {
  EtcdOptions options;
  options.endpoints = {"127.0.0.1:1", etcd_->endpoint()};  // the first one is dead
  options.retry.initial_backoff = std::chrono::milliseconds(1);
  options.retry.attempt_timeout = std::chrono::milliseconds(500);
  auto client = EtcdClient::Create(options);
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 3; ++i) {
    auto put = (*client)->Put(prefix_ + "k", std::to_string(i));
    ASSERT_TRUE(put.ok()) << put.status();
  }
  EXPECT_EQ((*(*client)->Get(prefix_ + "k"))->value, "2");
}

TEST_F(EtcdTest, ListPaginatesAtOneRevision) {
  for (int i = 0; i < 25; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "%03d", i);
    ASSERT_TRUE(client_->Put(prefix_ + name, std::to_string(i)).ok());
  }
  ASSERT_TRUE(client_->Put(prefix_.substr(0, prefix_.size() - 1) + "0-outside", "x").ok());

  ListOptions options;
  options.limit = 7;
  std::vector<std::string> seen;
  int pages = 0;
  while (true) {
    auto page = client_->List(prefix_, options);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const auto& kv : page->kvs) seen.push_back(kv.key.substr(prefix_.size()));
    if (pages == 1) {
      // A write after the first page must not appear in later pages of the same listing.
      ASSERT_TRUE(client_->Put(prefix_ + "024a", "late").ok());
    }
    if (!page->more) break;
    options.continue_from = page->next_key;
    options.revision = page->revision;
  }
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), "000");
  EXPECT_EQ(seen.back(), "024");
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

  auto all = client_->ListAll(prefix_, 4);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 26u);

  EXPECT_EQ(*client_->DeletePrefix(prefix_), 26);
  EXPECT_TRUE(client_->ListAll(prefix_)->empty());

  options = ListOptions{};
  options.limit = 0;
  EXPECT_EQ(client_->List(prefix_, options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EtcdTest, TxnRunsOneBranchAtomically) {
  std::string a = prefix_ + "a", b = prefix_ + "b";
  auto created =
      client_->Txn({Compare::Missing(a)}, {Op::Put(a, "1"), Op::Put(b, "1")}, {Op::Get(a)});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->succeeded);

  auto again = client_->Txn({Compare::Missing(a)}, {Op::Put(a, "2")}, {Op::Get(a), Op::Get(b)});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->succeeded);
  ASSERT_EQ(again->results.size(), 2u);
  EXPECT_EQ(again->results[0].kvs.at(0).value, "1");
  EXPECT_EQ(again->results[1].kvs.at(0).value, "1");

  auto by_value = client_->Txn({Compare::Value(a, Compare::Result::kEqual, "1")},
                               {Op::Delete(b), Op::GetPrefix(prefix_)});
  ASSERT_TRUE(by_value.ok());
  EXPECT_TRUE(by_value->succeeded);
  EXPECT_EQ(by_value->results[0].deleted, 1);
  EXPECT_EQ(by_value->results[1].kvs.size(), 1u);
}

TEST_F(EtcdTest, CompareAndSwapByRevision) {
  std::string key = prefix_ + "cas";
  EXPECT_TRUE(*client_->CompareAndSwap(key, 0, "first"));
  EXPECT_FALSE(*client_->CompareAndSwap(key, 0, "again")) << "0 means: only if missing";
  auto kv = client_->Get(key);
  int64_t revision = (*kv)->mod_revision;
  EXPECT_FALSE(*client_->CompareAndSwap(key, revision - 1, "stale"));
  EXPECT_TRUE(*client_->CompareAndSwap(key, revision, "second"));
  EXPECT_EQ((*client_->Get(key))->value, "second");
}

// Many clients race to advance a counter from the same revision: exactly one wins each round.
TEST_F(EtcdTest, ConcurrentCasHasExactlyOneWinnerPerRound) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 40;
  std::string key = prefix_ + "counter";
  ASSERT_TRUE(client_->Put(key, "0").ok());
  std::vector<std::unique_ptr<EtcdClient>> clients;
  for (int i = 0; i < kThreads; ++i) clients.push_back(NewClient());

  std::vector<std::vector<int>> wins(kRounds, std::vector<int>(kThreads, 0));
  std::vector<int64_t> round_revision(kRounds, 0);
  std::atomic<bool> failed{false};
  std::barrier sync(kThreads, [&]() noexcept {});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        // Everyone reads the same state before anyone writes.
        auto current = clients[t]->Get(key);
        sync.arrive_and_wait();
        if (!current.ok() || !current->has_value()) {
          failed = true;
        } else {
          int value = std::stoi((*current)->value);
          auto swapped =
              clients[t]->CompareAndSwap(key, (*current)->mod_revision, std::to_string(value + 1));
          if (!swapped.ok()) failed = true;
          wins[round][t] = swapped.ok() && *swapped ? 1 : 0;
        }
        sync.arrive_and_wait();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_FALSE(failed);
  for (int round = 0; round < kRounds; ++round) {
    int winners = 0;
    for (int t = 0; t < kThreads; ++t) winners += wins[round][t];
    EXPECT_EQ(winners, 1) << "round " << round;
  }
  EXPECT_EQ((*client_->Get(key))->value, std::to_string(kRounds));
}

TEST_F(EtcdTest, LeaseBindsKeysAndRevokeRemovesThem) {
  auto lease = client_->GrantLease(std::chrono::seconds(30));
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_GE(lease->ttl.count(), 30);
  std::string key = prefix_ + "leased";
  ASSERT_TRUE(client_->Put(key, "x", lease->id).ok());
  EXPECT_EQ((*client_->Get(key))->lease, lease->id);
  auto ttl = client_->TimeToLive(lease->id);
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->count(), 20);
  EXPECT_TRUE(client_->KeepAliveOnce(lease->id).ok());

  ASSERT_TRUE(client_->RevokeLease(lease->id).ok());
  EXPECT_FALSE(client_->Get(key)->has_value());
  auto gone = client_->KeepAliveOnce(lease->id);
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound) << gone.status();
  EXPECT_EQ(client_->TimeToLive(lease->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(client_->RevokeLease(lease->id).code(), StatusCode::kNotFound);
  EXPECT_EQ(client_->GrantLease(std::chrono::seconds(0)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(EtcdTest, LeaseKeeperReportsLossWhenRevokedElsewhere) {
  Status lost_status;
  auto keeper = LeaseKeeper::Start(*client_, std::chrono::seconds(3),
                                   [&](const Status& s) { lost_status = s; });
  ASSERT_TRUE(keeper.ok()) << keeper.status();
  ASSERT_TRUE(client_->RevokeLease((*keeper)->id()).ok());
  EXPECT_TRUE((*keeper)->WaitLost(std::chrono::seconds(5)));
  EXPECT_EQ(lost_status.code(), StatusCode::kNotFound) << lost_status;
}

// A process holds a key under a kept-alive lease; the key outlives the TTL while the holder
// lives, and disappears within the TTL once it is killed.
TEST_F(EtcdTest, LeaseExpiresAfterTheHolderDies) {
  constexpr int kTtlSeconds = 2;
  std::string key = prefix_ + "holder";
  auto holder = curve::testing::Subprocess::Start(
      {ETCD_TEST_PEER, "hold-lease", "--endpoints=" + etcd_->endpoint(), "--key=" + key,
       "--ttl=" + std::to_string(kTtlSeconds)});
  ASSERT_TRUE(holder.ok()) << holder.status();
  auto line = holder->ReadLine(std::chrono::seconds(10));
  ASSERT_TRUE(line.has_value() && line->rfind("ready ", 0) == 0) << line.value_or("<eof>");

  // Alive past 1.5 TTLs: only keepalives explain that.
  auto alive_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(3000);
  while (std::chrono::steady_clock::now() < alive_until) {
    ASSERT_TRUE(client_->Get(key)->has_value()) << "key vanished while the holder lives";
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  auto lease_id = (*client_->Get(key))->lease;
  auto killed_at = std::chrono::steady_clock::now();
  holder->Kill(SIGKILL);
  ASSERT_TRUE(curve::testing::PollUntil([&] { return !client_->Get(key)->has_value(); },
                                        std::chrono::seconds(kTtlSeconds + 3)));
  auto elapsed = std::chrono::steady_clock::now() - killed_at;
  EXPECT_LE(elapsed, std::chrono::milliseconds(kTtlSeconds * 1000 + 1500));
  EXPECT_EQ(client_->TimeToLive(lease_id).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace curve::etcd
