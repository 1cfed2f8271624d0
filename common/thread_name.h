#pragma once

// Names the calling thread as tools show it (top -H, perf, /proc/PID/task/*/comm); Linux keeps
// the first 15 bytes.

#include <pthread.h>

#include <string>

namespace curve {

inline void SetThreadName(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace curve
