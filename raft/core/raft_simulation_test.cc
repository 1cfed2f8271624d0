// Seeded deterministic simulation of 3- and 5-member groups under partitions, message loss,
// duplication and reordering, crashes with restart from disk, snapshots, membership changes and
// leadership transfers; safety is checked on every step, liveness and linearizability at the
// end (testing/simulator.h).
//
// Environment:
//   RAFT_SIM_SEEDS=<n>    seeds per group size (default 250, i.e. 500 runs)
//   RAFT_SIM_STEPS=<n>    steps per run (default 10000)
//   RAFT_SIM_SEED=<s>     replay one seed (with RAFT_SIM_MEMBERS=<3|5> to pick the size)
//   RAFT_SIM_VERBOSE=1    print each run's statistics

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>

#include "raft/core/testing/linearizability.h"
#include "raft/core/testing/simulator.h"

namespace curve::raft {
namespace {

using testing::CheckRegisterLinearizable;
using testing::LinearizabilityResult;
using testing::SimOptions;
using testing::Simulator;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::strtoull(v, nullptr, 10);
}

// Runs one seed; returns false (after reporting) on a violation.
bool RunSeed(const SimOptions& options, uint64_t* steps_run) {
  Simulator sim(options);
  Status s = sim.Run();
  *steps_run += options.steps;
  std::string replay = "replay: RAFT_SIM_SEED=" + std::to_string(options.seed) +
                       " RAFT_SIM_MEMBERS=" + std::to_string(options.members) +
                       " RAFT_SIM_STEPS=" + std::to_string(options.steps);
  if (!s.ok()) {
    ADD_FAILURE() << s.message() << "\n" << replay;
    return false;
  }
  auto check_start = std::chrono::steady_clock::now();
  LinearizabilityResult lin = CheckRegisterLinearizable(sim.history(), "");
  double check_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - check_start).count();
  if (!lin.decided) {
    ADD_FAILURE() << "seed=" << options.seed << ": linearizability undecided after "
                  << lin.states_explored << " states\n"
                  << replay;
    return false;
  }
  if (!lin.linearizable) {
    ADD_FAILURE() << "seed=" << options.seed << " members=" << options.members << ": history of "
                  << sim.history().size() << " operations is not linearizable\n"
                  << lin.explanation << "\n"
                  << replay;
    return false;
  }
  if (EnvOr("RAFT_SIM_VERBOSE", 0) != 0) {
    std::printf("seed=%llu members=%d history=%zu checked in %.3fs (%llu states) %s\n",
                static_cast<unsigned long long>(options.seed), options.members,
                sim.history().size(), check_seconds,
                static_cast<unsigned long long>(lin.states_explored), sim.StatsLine().c_str());
  }
  return true;
}

void RunSeeds(int members) {
  uint64_t only_members = EnvOr("RAFT_SIM_MEMBERS", 0);
  if (only_members != 0 && only_members != static_cast<uint64_t>(members)) {
    GTEST_SKIP() << "RAFT_SIM_MEMBERS selects another group size";
  }
  uint64_t steps = EnvOr("RAFT_SIM_STEPS", 10000);
  uint64_t first = EnvOr("RAFT_SIM_SEED", 0);
  uint64_t count = first != 0 ? 1 : EnvOr("RAFT_SIM_SEEDS", 250);
  if (first == 0) first = 1;
  auto start = std::chrono::steady_clock::now();
  uint64_t steps_run = 0;
  int failures = 0;
  for (uint64_t seed = first; seed < first + count && failures < 3; ++seed) {
    SimOptions options;
    options.seed = seed;
    options.members = members;
    options.steps = static_cast<int>(steps);
    // Half the seeds serve reads under leader leases, half through ReadIndex.
    options.read_mode = seed % 2 == 0 ? ReadMode::kLeaseBased : ReadMode::kReadIndex;
    // Longer leases (election_tick - 1 ticks) leave room for the races they must survive.
    if (options.read_mode == ReadMode::kLeaseBased) options.election_tick = 10;
    if (!RunSeed(options, &steps_run)) ++failures;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("raft simulation: members=%d seeds=%llu steps/seed=%llu total steps=%llu in %.1fs\n",
              members, static_cast<unsigned long long>(count),
              static_cast<unsigned long long>(steps), static_cast<unsigned long long>(steps_run),
              seconds);
}

TEST(RaftSimulationTest, ThreeMembers) { RunSeeds(3); }

// A driver that sends votes and acknowledgements before its disk write completes loses promises
// on a crash. The simulation must notice: either a safety check reports it, or the core itself
// aborts on the broken invariant it then meets. Runs in a child process (death test).
TEST(RaftSimulationDeathTest, NegativeControlCatchesAcknowledgingBeforePersisting) {
  auto caught = [](int status) {
    return (WIFEXITED(status) && WEXITSTATUS(status) == 3) ||
           (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
  };
  EXPECT_EXIT(
      {
        for (uint64_t seed = 1; seed <= 200; ++seed) {
          SimOptions options;
          options.seed = seed;
          options.members = 3;
          options.unsafe_send_before_persist = true;
          Simulator sim(options);
          Status s = sim.Run();
          if (!s.ok()) {
            std::fprintf(stderr, "caught: %s\n", s.message().c_str());
            std::_Exit(3);
          }
        }
        std::_Exit(0);
      },
      caught, "");
}

TEST(RaftSimulationTest, FiveMembers) { RunSeeds(5); }

}  // namespace
}  // namespace curve::raft
