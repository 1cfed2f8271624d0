#include "raft/core/configuration.h"

#include <gtest/gtest.h>

#include <map>

namespace curve::raft {
namespace {

TEST(ConfigurationTest, MakeSortsAndDeduplicates) {
  EXPECT_EQ(MakeConfiguration({3, 1, 2, 3}).voters, (std::vector<NodeId>{1, 2, 3}));
}

TEST(ConfigurationTest, ApplyChanges) {
  Configuration base = MakeConfiguration({1, 2, 3});
  EXPECT_EQ(*ApplyConfChange(base, {ConfChangeType::kAddVoter, 4}),
            MakeConfiguration({1, 2, 3, 4}));
  EXPECT_EQ(*ApplyConfChange(base, {ConfChangeType::kRemoveVoter, 2}), MakeConfiguration({1, 3}));
  EXPECT_EQ(ApplyConfChange(base, {ConfChangeType::kAddVoter, 2}).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(ApplyConfChange(base, {ConfChangeType::kRemoveVoter, 9}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ApplyConfChange(base, {ConfChangeType::kAddVoter, 0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ApplyConfChange(MakeConfiguration({1}), {ConfChangeType::kRemoveVoter, 1}).status().code(),
      StatusCode::kFailedPrecondition);
}

TEST(ConfigurationTest, EncodingRoundTrips) {
  ConfChangeEntry entry{{ConfChangeType::kRemoveVoter, 300}, MakeConfiguration({1, 2, 1000000})};
  Result<ConfChangeEntry> decoded = DecodeConfChangeEntry(EncodeConfChangeEntry(entry));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, entry);
  Configuration config = MakeConfiguration({5, 7});
  EXPECT_EQ(*DecodeConfiguration(EncodeConfiguration(config)), config);
}

TEST(ConfigurationTest, DecodingRejectsGarbage) {
  std::string good =
      EncodeConfChangeEntry({{ConfChangeType::kAddVoter, 4}, MakeConfiguration({1, 4})});
  EXPECT_EQ(DecodeConfChangeEntry(good.substr(0, good.size() - 1)).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(DecodeConfChangeEntry(good + "x").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeConfChangeEntry("\x07").status().code(), StatusCode::kDataLoss);
}

TEST(ConfigurationTest, QuorumValueIsWhatAMajorityHolds) {
  struct Case {
    std::vector<NodeId> voters;
    std::map<NodeId, uint64_t> values;
    uint64_t want;
  };
  std::vector<Case> cases = {
      {{}, {}, 0},
      {{1}, {{1, 5}}, 5},
      {{1, 2}, {{1, 5}, {2, 3}}, 3},
      {{1, 2, 3}, {{1, 5}, {2, 3}, {3, 1}}, 3},
      {{1, 2, 3}, {{1, 5}, {2, 5}, {3, 1}}, 5},
      {{1, 2, 3, 4}, {{1, 9}, {2, 8}, {3, 2}, {4, 1}}, 2},
      {{1, 2, 3, 4, 5}, {{1, 9}, {2, 8}, {3, 7}, {4, 1}, {5, 0}}, 7},
  };
  for (const Case& c : cases) {
    Configuration config = MakeConfiguration(c.voters);
    EXPECT_EQ(QuorumValue(config, [&](NodeId id) { return c.values.at(id); }), c.want) << config;
  }
}

TEST(ConfigurationTest, TallyVotes) {
  Configuration three = MakeConfiguration({1, 2, 3});
  auto tally = [&](std::map<NodeId, int> votes) {
    return TallyVotes(three, [&](NodeId id) { return votes.count(id) ? votes[id] : -1; });
  };
  EXPECT_EQ(tally({{1, 1}}), VoteResult::kPending);
  EXPECT_EQ(tally({{1, 1}, {2, 1}}), VoteResult::kWon);
  EXPECT_EQ(tally({{1, 1}, {2, 0}}), VoteResult::kPending);
  EXPECT_EQ(tally({{1, 1}, {2, 0}, {3, 0}}), VoteResult::kLost);
  // Votes from non-voters do not count.
  EXPECT_EQ(tally({{1, 1}, {9, 1}}), VoteResult::kPending);
  EXPECT_EQ(TallyVotes(Configuration{}, [](NodeId) { return 1; }), VoteResult::kLost);
}

}  // namespace
}  // namespace curve::raft
