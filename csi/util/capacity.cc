#include "csi/util/capacity.h"

#include <string>

namespace curve::csi {

Result<int64_t> ChooseVolumeSize(int64_t required_bytes, int64_t limit_bytes,
                                 const SizeBounds& bounds) {
  if (required_bytes < 0 || limit_bytes < 0) {
    return InvalidArgumentError(
        "capacity_range: required_bytes and limit_bytes must not be "
        "negative");
  }
  if (limit_bytes > 0 && limit_bytes < required_bytes) {
    return InvalidArgumentError("capacity_range: limit_bytes " + std::to_string(limit_bytes) +
                                " is below required_bytes " + std::to_string(required_bytes));
  }
  int64_t size = required_bytes;
  if (size % bounds.step_bytes != 0) size += bounds.step_bytes - size % bounds.step_bytes;
  if (size < bounds.min_bytes) size = bounds.min_bytes;
  if (size > bounds.max_bytes || required_bytes > bounds.max_bytes) {
    return OutOfRangeError("capacity_range: required_bytes " + std::to_string(required_bytes) +
                           " exceeds the maximum volume size " + std::to_string(bounds.max_bytes));
  }
  if (limit_bytes > 0 && size > limit_bytes) {
    return OutOfRangeError("capacity_range: no volume size fits [" +
                           std::to_string(required_bytes) + ", " + std::to_string(limit_bytes) +
                           "]: sizes are multiples of " + std::to_string(bounds.step_bytes) +
                           " bytes and at least " + std::to_string(bounds.min_bytes));
  }
  return size;
}

bool SizeSatisfies(int64_t size, int64_t required_bytes, int64_t limit_bytes) {
  return size >= required_bytes && (limit_bytes == 0 || size <= limit_bytes);
}

}  // namespace curve::csi
