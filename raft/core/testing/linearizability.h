#pragma once

// A linearizability checker for histories of a single read/write/compare-and-set register,
// after Wing & Gong with Lowe's memoisation (the "WGL" algorithm): search for an order of the
// operations that respects real time (an operation that completed before another was invoked
// comes first) and the register's sequential specification, caching visited
// (set of linearized operations, register value) pairs.
//
// An operation whose outcome the client never learned (its complete time is kNever) may take
// effect at any point after its invocation; its output is not checked.
//
// When every written value (write argument, CAS new value) is unique and differs from the
// initial value, the search prunes moves that take the register away from a value that a
// pending read or successful CAS still needs, since that value can never come back. This keeps
// histories with many concurrent writes tractable; with repeated values the plain search runs.

#include <cstdint>
#include <string>
#include <vector>

namespace curve::raft::testing {

enum class RegisterCall : uint8_t { kRead, kWrite, kCas };

struct RegisterOperation {
  static constexpr uint64_t kNever = UINT64_MAX;

  int client = 0;
  RegisterCall call = RegisterCall::kRead;
  std::string arg1;  // write: value; cas: expected
  std::string arg2;  // cas: new value
  // read: the value returned; cas: "ok" or "fail"; ignored when complete == kNever.
  std::string output;
  uint64_t invoke = 0;
  uint64_t complete = kNever;  // strictly after invoke; all times distinct
};

struct LinearizabilityResult {
  bool linearizable = false;
  // False when the search gave up after max_states cached states (no verdict).
  bool decided = true;
  uint64_t states_explored = 0;
  std::string explanation;  // for a violation: the longest linearizable prefix found
};

LinearizabilityResult CheckRegisterLinearizable(const std::vector<RegisterOperation>& history,
                                                const std::string& initial_value,
                                                uint64_t max_states = 20'000'000);

std::string DescribeOperation(const RegisterOperation& op);

}  // namespace curve::raft::testing
