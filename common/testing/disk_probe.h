#pragma once

// Same-run references for benchmarks: what the disk under a directory and a process cost, so a
// benchmark can print its figures beside them (absolute times on shared machines are noise).
//
// Every probe writes only files it creates under `dir` and removes them before returning.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace curve::testing {

struct Latencies {
  double per_second = 0;  // operations per second over the whole run
  double p50_ms = 0;
  double p99_ms = 0;
};

// Summarises per-operation latencies (ms) measured over `seconds`.
Latencies Summarize(std::vector<double> ms, double seconds);

// write + fdatasync of 4 KiB appends to a fresh file per writer, `writers` threads at once, for
// `seconds`: what one WAL group commit costs the disk.
Result<Latencies> MeasureFdatasync(const std::string& dir, double seconds, int writers = 1);

// 4 KiB random O_DIRECT overwrites of a fully written `file_bytes` file (so no allocation on
// the path) with `depth` writes in flight (one thread each), for `seconds`.
Result<Latencies> MeasureDirectIoRandomWrite(const std::string& dir, double seconds, int depth,
                                             uint64_t file_bytes = 256ull << 20);

// CPU seconds (user + system) a process has used so far; pid 0 is this process.
double ProcessCpuSeconds(pid_t pid);

// The resident set size of a process in bytes (VmRSS); 0 if unknown.
uint64_t ProcessRssBytes(pid_t pid);

}  // namespace curve::testing
