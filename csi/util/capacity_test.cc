#include "csi/util/capacity.h"

#include <gtest/gtest.h>

namespace curve::csi {
namespace {

TEST(CapacityTest, RoundingTable) {
  SizeBounds bounds;  // 10 GiB .. 20 TiB, steps of 1 GiB
  struct Case {
    int64_t required, limit;
    StatusCode code;
    int64_t size;
  };
  const int64_t max = bounds.max_bytes;
  for (const Case& c : std::vector<Case>{
           {0, 0, StatusCode::kOk, 10 * kGiB},                  // nothing asked: the minimum
           {1, 0, StatusCode::kOk, 10 * kGiB},                  // raised to the minimum
           {10 * kGiB, 0, StatusCode::kOk, 10 * kGiB},          // exact
           {10 * kGiB + 1, 0, StatusCode::kOk, 11 * kGiB},      // rounded up to GiB
           {0, 20 * kGiB, StatusCode::kOk, 10 * kGiB},          // only a limit
           {11 * kGiB, 12 * kGiB, StatusCode::kOk, 11 * kGiB},  // within the range
           {kGiB, 5 * kGiB, StatusCode::kOutOfRange, 0},        // limit below the minimum
           {10 * kGiB + 1, 10 * kGiB + 100, StatusCode::kOutOfRange, 0},  // no GiB fits
           {max, 0, StatusCode::kOk, max},
           {max + 1, 0, StatusCode::kOutOfRange, 0},
           {-1, 0, StatusCode::kInvalidArgument, 0},
           {0, -1, StatusCode::kInvalidArgument, 0},
           {20 * kGiB, 10 * kGiB, StatusCode::kInvalidArgument, 0},  // limit < required
       }) {
    auto size = ChooseVolumeSize(c.required, c.limit, bounds);
    EXPECT_EQ(size.status().code(), c.code) << c.required << " " << c.limit << " " << size.status();
    if (size.ok()) {
      EXPECT_EQ(*size, c.size) << c.required << " " << c.limit;
    }
  }
}

TEST(CapacityTest, SizeSatisfies) {
  EXPECT_TRUE(SizeSatisfies(10 * kGiB, 0, 0));
  EXPECT_TRUE(SizeSatisfies(10 * kGiB, 5 * kGiB, 10 * kGiB));
  EXPECT_FALSE(SizeSatisfies(10 * kGiB, 11 * kGiB, 0));
  EXPECT_FALSE(SizeSatisfies(10 * kGiB, 0, 9 * kGiB));
}

}  // namespace
}  // namespace curve::csi
