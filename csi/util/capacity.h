#pragma once

#include <cstdint>

#include "common/result.h"

namespace curve::csi {

constexpr int64_t kGiB = int64_t{1} << 30;

// What the MDS accepts as a volume size.
struct SizeBounds {
  int64_t min_bytes = 10 * kGiB;         // MDS namespace.minVolumeSize
  int64_t max_bytes = 20 * 1024 * kGiB;  // MDS namespace.maxVolumeSize
  int64_t step_bytes = kGiB;             // sizes are multiples of the segment size
};

// Chooses the size for a CSI capacity range (0 means "unset" for both fields):
// required rounded up to the step and raised to the minimum, no default (the minimum) when
// nothing is asked. OUT_OF_RANGE when no multiple of the step within the bounds satisfies
// [required, limit]; INVALID_ARGUMENT for negative values or limit < required.
Result<int64_t> ChooseVolumeSize(int64_t required_bytes, int64_t limit_bytes,
                                 const SizeBounds& bounds);

// Whether an existing volume of `size` satisfies [required, limit] (0 = unset).
bool SizeSatisfies(int64_t size, int64_t required_bytes, int64_t limit_bytes);

}  // namespace curve::csi
