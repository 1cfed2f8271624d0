#include "csi/util/parameters.h"

#include <gtest/gtest.h>

namespace curve::csi {
namespace {

TEST(ParametersTest, ValidationTable) {
  using Params = std::map<std::string, std::string>;
  struct Case {
    Params params;
    StatusCode code;
    std::string expect;  // in the error message, or "user/poolset/lazy" of the result
  };
  for (const Case& c : std::vector<Case>{
           {{}, StatusCode::kOk, "k8s//0"},
           {{{"user", "alice"}, {"poolset", "ssd"}, {"cloneLazy", "true"}},
            StatusCode::kOk,
            "alice/ssd/1"},
           {{{"cloneLazy", "false"}}, StatusCode::kOk, "k8s//0"},
           {{{"csi.storage.k8s.io/pvc/name", "x"}}, StatusCode::kOk, "k8s//0"},
           {{{"csi.storage.k8s.io/fstype", "xfs"}}, StatusCode::kOk, "k8s//0"},
           {{{"user", ""}}, StatusCode::kInvalidArgument, "parameter user"},
           {{{"user", std::string(31, 'a')}}, StatusCode::kInvalidArgument, "1..30"},
           {{{"user", "a/b"}}, StatusCode::kInvalidArgument, "outside"},
           {{{"poolset", "x y"}}, StatusCode::kInvalidArgument, "parameter poolset"},
           {{{"cloneLazy", "yes"}}, StatusCode::kInvalidArgument, "true or false"},
           {{{"csi.storage.k8s.io/fstype", "btrfs"}}, StatusCode::kInvalidArgument, "ext4 or xfs"},
           {{{"pool", "a"}, {"size", "b"}},
            StatusCode::kInvalidArgument,
            "unknown parameters: pool, size"},
       }) {
    auto parsed = ParseVolumeParameters(c.params);
    EXPECT_EQ(parsed.status().code(), c.code) << c.expect << ": " << parsed.status();
    if (parsed.ok()) {
      EXPECT_EQ(parsed->user + "/" + parsed->poolset + "/" + (parsed->clone_lazy ? "1" : "0"),
                c.expect);
    } else {
      EXPECT_NE(parsed.status().message().find(c.expect), std::string::npos) << parsed.status();
    }
  }
}

}  // namespace
}  // namespace curve::csi
