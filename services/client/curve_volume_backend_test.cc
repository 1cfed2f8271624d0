#include "services/client/curve_volume_backend.h"

#include <gtest/gtest.h>

namespace curve::client {
namespace {

TEST(CurveSpecTest, ParsesPathUserAndMdsList) {
  auto spec = ParseCurveSpec("curve:/k8s/pvc-1?user=alice&mds=10.0.0.1:6700,10.0.0.2:6700");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->path, "/k8s/pvc-1");
  EXPECT_EQ(spec->user, "alice");
  EXPECT_EQ(spec->mds, (std::vector<std::string>{"10.0.0.1:6700", "10.0.0.2:6700"}));
}

TEST(CurveSpecTest, UserDefaultsToRootAndEmptyMdsEntriesAreSkipped) {
  auto spec = ParseCurveSpec("curve:/vol?mds=a:1,,b:2,");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->user, "root");
  EXPECT_EQ(spec->mds, (std::vector<std::string>{"a:1", "b:2"}));
}

TEST(CurveSpecTest, FormatRoundTrips) {
  CurveSpec spec{"/a/b", "bob", {"h1:1", "h2:2", "h3:3"}};
  auto parsed = ParseCurveSpec(FormatCurveSpec(spec));
  ASSERT_TRUE(parsed.ok()) << parsed.status() << " " << FormatCurveSpec(spec);
  EXPECT_EQ(parsed->path, spec.path);
  EXPECT_EQ(parsed->user, spec.user);
  EXPECT_EQ(parsed->mds, spec.mds);
}

TEST(CurveSpecTest, RejectsMalformedSpecsNamingTheExpectedForm) {
  for (const char* bad : {"", "file:/vol?mds=a:1", "curve:", "curve:vol?mds=a:1", "curve:/vol",
                          "curve:/vol?mds=", "curve:/vol?user=alice", "curve:/vol?mds=a:1&pool=x",
                          "curve:/vol?mds"}) {
    auto spec = ParseCurveSpec(bad);
    ASSERT_FALSE(spec.ok()) << bad;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(spec.status().message().find("expected curve:/volume?user=USER&mds=HOST:PORT"),
              std::string::npos)
        << spec.status();
  }
}

}  // namespace
}  // namespace curve::client
