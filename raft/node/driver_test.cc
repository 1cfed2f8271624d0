#include "raft/node/driver.h"

#include <gtest/gtest.h>

#include "common/testing/subprocess.h"

namespace curve::raft {
namespace {

class NullTransport final : public Transport {
 public:
  void SetPeerAddress(NodeId, const std::string&) override {}
  std::string PeerAddress(NodeId) const override { return ""; }
  void Send(NodeId, std::vector<GroupMessage>) override {}
};

TEST(DriverTest, FullInboxDropsAllButSnapshots) {
  curve::testing::TempDir dir;
  LogStoreOptions store_options;
  store_options.dir = dir.path();
  store_options.sync = false;
  auto store = LogStore::Open(store_options);
  ASSERT_TRUE(store.ok()) << store.status();
  NullTransport transport;
  // Not started: nothing drains the inbox.
  Driver driver(0, std::chrono::milliseconds(100), &transport, store->get(),
                /*max_inbox_bytes=*/4096);
  std::vector<GroupMessage> messages;
  for (int i = 0; i < 10; ++i) {
    messages.push_back(
        {1, Message{.type = MessageType::kAppend,
                    .entries = {Entry{1, 1, EntryType::kNormal, std::string(1000, 'x')}}}});
  }
  messages.push_back({1, Message{.type = MessageType::kSnapshot, .snapshot = Snapshot{}}});
  driver.PostMessages(std::move(messages));
  EXPECT_GE(driver.dropped_messages(), 6u);
  EXPECT_LE(driver.dropped_messages(), 10u);  // the snapshot is never dropped
}

}  // namespace
}  // namespace curve::raft
