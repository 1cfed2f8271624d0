#pragma once

#include <sstream>
#include <string>

namespace curve::raft {

// Reports a broken invariant of the raft core and aborts. A violated invariant means the
// replicated log can no longer be trusted, so the process must not continue.
[[noreturn]] void FatalInvariant(const char* file, int line, const std::string& message);

}  // namespace curve::raft

// CURVE_RAFT_CHECK(cond) << "context"; aborts with the streamed context when cond is false.
#define CURVE_RAFT_CHECK(cond) \
  if (cond) {                  \
  } else                       \
    ::curve::raft::internal::CheckFailure(__FILE__, __LINE__, #cond).stream()

namespace curve::raft::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition) : file_(file), line_(line) {
    stream_ << "check failed: " << condition << " ";
  }
  [[noreturn]] ~CheckFailure() { FatalInvariant(file_, line_, stream_.str()); }
  std::ostringstream& stream() { return stream_; }

 private:
  const char* file_;
  int line_;
  std::ostringstream stream_;
};

}  // namespace curve::raft::internal
