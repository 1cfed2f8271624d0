#pragma once

// A closed-loop IO workload on an open Volume: `depth` requests of `block_size` bytes in flight
// through the asynchronous API for `runtime`, random or sequential, reads or writes, within the
// first `span` bytes of the volume (0: all of it). Used by `curve bench` and curvebs_bench.
//
// Returns the first IO error, if any; otherwise the measured rate and latency percentiles.

#include <chrono>
#include <cstdint>

#include "common/result.h"
#include "services/client/volume.h"

namespace curve::client {

struct VolumeBenchOptions {
  bool write = true;
  bool random = true;
  uint64_t block_size = 4096;  // a multiple of 4096
  int depth = 1;
  std::chrono::milliseconds runtime{10000};
  uint64_t span = 0;
  uint64_t seed = 42;
};

struct VolumeBenchResult {
  uint64_t ops = 0;
  double seconds = 0;
  double iops = 0;
  double mib_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
};

Result<VolumeBenchResult> RunVolumeBench(Volume& volume, const VolumeBenchOptions& options);

}  // namespace curve::client
