// The register linearizability checker itself: it must accept linearizable histories (including
// ones that need reordering of concurrent operations) and reject known violations.

#include "raft/core/testing/linearizability.h"

#include <gtest/gtest.h>

namespace curve::raft::testing {
namespace {

RegisterOperation Write(int client, std::string v, uint64_t invoke, uint64_t complete) {
  return RegisterOperation{client, RegisterCall::kWrite, std::move(v), "", "", invoke, complete};
}
RegisterOperation Read(int client, std::string out, uint64_t invoke, uint64_t complete) {
  return RegisterOperation{client, RegisterCall::kRead, "", "", std::move(out), invoke, complete};
}
RegisterOperation Cas(int client, std::string from, std::string to, bool ok, uint64_t invoke,
                      uint64_t complete) {
  return RegisterOperation{client,        RegisterCall::kCas, std::move(from),
                           std::move(to), ok ? "ok" : "fail", invoke,
                           complete};
}
constexpr uint64_t kNever = RegisterOperation::kNever;

bool Linearizable(const std::vector<RegisterOperation>& h) {
  LinearizabilityResult r = CheckRegisterLinearizable(h, "");
  EXPECT_TRUE(r.decided);
  return r.linearizable;
}

TEST(LinearizabilityTest, EmptyAndSequentialHistories) {
  EXPECT_TRUE(Linearizable({}));
  EXPECT_TRUE(Linearizable({Read(0, "", 1, 2), Write(0, "a", 3, 4), Read(0, "a", 5, 6),
                            Cas(0, "a", "b", true, 7, 8), Read(1, "b", 9, 10),
                            Cas(1, "a", "c", false, 11, 12)}));
}

TEST(LinearizabilityTest, StaleReadAfterCompletedWriteIsRejected) {
  // The classic violation: a read that starts after a write completed returns the old value.
  std::vector<RegisterOperation> h = {Write(0, "a", 1, 2), Read(1, "", 3, 4)};
  LinearizabilityResult r = CheckRegisterLinearizable(h, "");
  EXPECT_FALSE(r.linearizable);
  EXPECT_NE(r.explanation.find("no linearization"), std::string::npos) << r.explanation;
}

TEST(LinearizabilityTest, ConcurrentOperationsMayBeReordered) {
  // A read overlapping a write may see either value; concurrent writes may land in either order.
  EXPECT_TRUE(Linearizable({Write(0, "a", 1, 10), Read(1, "", 2, 3), Read(1, "a", 4, 5)}));
  EXPECT_TRUE(Linearizable({Write(0, "a", 1, 10), Write(1, "b", 2, 9), Read(2, "a", 11, 12)}));
  EXPECT_TRUE(Linearizable({Write(0, "a", 1, 10), Write(1, "b", 2, 9), Read(2, "b", 11, 12)}));
}

TEST(LinearizabilityTest, ValueCannotComeBack) {
  // "a" is overwritten by "b" (both complete) and then observed again: impossible.
  EXPECT_FALSE(Linearizable(
      {Write(0, "a", 1, 2), Write(0, "b", 3, 4), Read(1, "b", 5, 6), Read(2, "a", 7, 8)}));
}

TEST(LinearizabilityTest, ReadsDisagreeOnOrderOfConcurrentWrites) {
  // Two concurrent writes; one reader sees a then b, the other b then a (non-overlapping
  // reads): no single order explains both.
  EXPECT_FALSE(Linearizable({Write(0, "a", 1, 20), Write(1, "b", 2, 20), Read(2, "a", 3, 4),
                             Read(2, "b", 5, 6), Read(3, "b", 7, 8), Read(3, "a", 9, 10)}));
}

TEST(LinearizabilityTest, CasResultsMustMatchTheState) {
  EXPECT_FALSE(Linearizable({Write(0, "a", 1, 2), Cas(1, "a", "b", false, 3, 4)}));
  EXPECT_FALSE(Linearizable({Cas(1, "a", "b", true, 1, 2)}));
  // Concurrent with the write, the CAS may go either side of it.
  EXPECT_TRUE(Linearizable({Write(0, "a", 1, 10), Cas(1, "a", "b", false, 2, 3)}));
  EXPECT_TRUE(Linearizable({Write(0, "a", 1, 10), Cas(1, "a", "b", true, 2, 11)}));
}

TEST(LinearizabilityTest, UnknownOutcomesMayOrMayNotTakeEffect) {
  // A write whose client never heard back may explain a later read...
  EXPECT_TRUE(Linearizable({Write(0, "a", 1, kNever), Read(1, "a", 5, 6)}));
  // ...or never have happened.
  EXPECT_TRUE(Linearizable({Write(0, "a", 1, kNever), Read(1, "", 5, 6)}));
  // But it cannot take effect before it was invoked.
  EXPECT_FALSE(Linearizable({Read(1, "a", 1, 2), Write(0, "a", 3, kNever)}));
  // An unknown CAS is applied per the specification, its output unchecked.
  EXPECT_TRUE(
      Linearizable({Write(0, "a", 1, 2), Cas(1, "a", "b", false, 3, kNever), Read(2, "b", 5, 6)}));
}

TEST(LinearizabilityTest, RepeatedValuesDisablePruningButStayCorrect) {
  // Writing "a" twice makes the value-cannot-return pruning unsound; the plain search must
  // accept this history.
  EXPECT_TRUE(Linearizable(
      {Write(0, "a", 1, 2), Write(0, "b", 3, 4), Write(0, "a", 5, 6), Read(1, "a", 7, 8)}));
  EXPECT_FALSE(Linearizable(
      {Write(0, "a", 1, 2), Write(0, "b", 3, 4), Write(0, "a", 5, 6), Read(1, "b", 7, 8)}));
}

TEST(LinearizabilityTest, ManyConcurrentWritesStayTractable) {
  // Forty writes pending across a run of reads of the old value: exponential without pruning.
  std::vector<RegisterOperation> h;
  h.push_back(Write(0, "old", 1, 2));
  for (int i = 0; i < 40; ++i) h.push_back(Write(1 + i, "w" + std::to_string(i), 10 + i, 1000));
  for (int i = 0; i < 100; ++i) h.push_back(Read(50, "old", 100 + 2 * i, 101 + 2 * i));
  h.push_back(Read(51, "w7", 1001, 1002));
  LinearizabilityResult r = CheckRegisterLinearizable(h, "", 1'000'000);
  EXPECT_TRUE(r.decided);
  EXPECT_TRUE(r.linearizable);
  h.push_back(Read(51, "old", 1003, 1004));  // the old value is gone for good
  EXPECT_FALSE(CheckRegisterLinearizable(h, "", 1'000'000).linearizable);
}

TEST(LinearizabilityTest, GivesUpAtTheStateBudget) {
  std::vector<RegisterOperation> h;
  for (int i = 0; i < 20; ++i) h.push_back(Write(i, "a", 1, 100));  // repeated: no pruning
  h.push_back(Read(30, "b", 101, 102));
  LinearizabilityResult r = CheckRegisterLinearizable(h, "", 1000);
  EXPECT_FALSE(r.decided);
}

}  // namespace
}  // namespace curve::raft::testing
