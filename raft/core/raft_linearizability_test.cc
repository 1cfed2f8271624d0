// Linearizability of a replicated register driven through the simulator: clients invoke
// reads (ReadIndex or lease), writes and compare-and-sets against the node they believe leads,
// through partitions, crashes, membership changes and transfers; the recorded history must be
// linearizable (testing/linearizability.h). A negative control shows the check bites.
//
// Environment: RAFT_LIN_SEEDS=<n> seeds per read mode and group size (default 25);
// RAFT_LIN_SEED=<s> replays one seed.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "raft/core/testing/linearizability.h"
#include "raft/core/testing/simulator.h"

namespace curve::raft::testing {
namespace {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::strtoull(v, nullptr, 10);
}

SimOptions RegisterWorkload(uint64_t seed, int members, ReadMode mode) {
  SimOptions o;
  o.seed = seed;
  o.members = members;
  o.read_mode = mode;
  o.clients = 8;
  o.client_weight = 300;
  o.noise_weight = 50;
  return o;
}

TEST(RaftLinearizabilityTest, RegisterThroughPartitionsAndCrashes) {
  uint64_t only = EnvOr("RAFT_LIN_SEED", 0);
  uint64_t first = only != 0 ? only : 1;
  uint64_t last = only != 0 ? only : EnvOr("RAFT_LIN_SEEDS", 25);
  uint64_t ops = 0;
  uint64_t reads = 0;
  uint64_t runs = 0;
  for (ReadMode mode : {ReadMode::kReadIndex, ReadMode::kLeaseBased}) {
    for (int members : {3, 5}) {
      for (uint64_t seed = first; seed <= last; ++seed) {
        std::string where = "seed=" + std::to_string(seed) + " members=" + std::to_string(members) +
                            " lease=" + std::to_string(mode == ReadMode::kLeaseBased) +
                            "; replay: RAFT_LIN_SEED=" + std::to_string(seed);
        Simulator sim(RegisterWorkload(seed, members, mode));
        Status s = sim.Run();
        ASSERT_TRUE(s.ok()) << s.message() << "\n" << where;
        LinearizabilityResult r = CheckRegisterLinearizable(sim.history(), "");
        ASSERT_TRUE(r.decided) << where;
        ASSERT_TRUE(r.linearizable) << r.explanation << "\n" << where;
        ops += sim.history().size();
        reads += sim.stats().reads_completed;
        ++runs;
      }
    }
  }
  std::printf("linearizability: %llu operations (%llu reads) checked over %llu runs\n",
              static_cast<unsigned long long>(ops), static_cast<unsigned long long>(reads),
              static_cast<unsigned long long>(runs));
}

TEST(RaftLinearizabilityTest, NegativeControlCatchesReadsServedLocally) {
  // A driver that answers reads from whatever node the client reached, without ReadIndex, serves
  // stale values from deposed leaders and followers; the checker must notice.
  int caught = 0;
  uint64_t seed = 1;
  for (; seed <= 100 && caught == 0; ++seed) {
    SimOptions o = RegisterWorkload(seed, 3, ReadMode::kReadIndex);
    o.unsafe_local_reads = true;
    Simulator sim(o);
    ASSERT_TRUE(sim.Run().ok());
    if (!CheckRegisterLinearizable(sim.history(), "").linearizable) ++caught;
  }
  EXPECT_GT(caught, 0) << "stale local reads went unnoticed in 100 runs";
  std::printf("negative control: stale local reads caught at seed %llu\n",
              static_cast<unsigned long long>(seed - 1));
}

}  // namespace
}  // namespace curve::raft::testing
