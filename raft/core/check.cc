#include "raft/core/check.h"

#include <cstdio>
#include <cstdlib>

namespace curve::raft {

void FatalInvariant(const char* file, int line, const std::string& message) {
  std::fprintf(stderr, "raft invariant violated at %s:%d: %s\n", file, line, message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace curve::raft
