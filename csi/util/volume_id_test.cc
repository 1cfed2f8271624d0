#include "csi/util/volume_id.h"

#include <gtest/gtest.h>

namespace curve::csi {
namespace {

TEST(VolumeIdTest, RoundTrip) {
  for (const VolumeId& id : std::vector<VolumeId>{{"k8s", "pvc-1234"},
                                                  {"a", "b"},
                                                  {"user-with-dashes", "name-with-9-dashes"},
                                                  {std::string(30, 'u'), std::string(255, 'n')}}) {
    std::string text = EncodeVolumeId(id);
    auto decoded = DecodeVolumeId(text);
    ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.status();
    EXPECT_EQ(*decoded, id) << text;
  }
  EXPECT_EQ(EncodeVolumeId({"k8s", "pvc-1"}), "0001-03-k8s-pvc-1");
}

TEST(VolumeIdTest, MalformedIdsAreRefused) {
  for (const char* text :
       {"", "reallyfakevolumeid", "0002-03-k8s-x", "0001-zz-k8s-x", "0001-05-k8s-x", "0001-03-k8s",
        "0001-03-k8sXx", "0001-03-k/s-x", "0001-03-k8s-a/b", "0001-03-k8s-..", "0001-00--x"}) {
    auto decoded = DecodeVolumeId(text);
    EXPECT_FALSE(decoded.ok()) << text;
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << text;
    }
  }
}

TEST(VolumeIdTest, FileNamesAreInjectiveAndValid) {
  struct Case {
    std::string name, file;
  };
  for (const Case& c : std::vector<Case>{{"pvc-1", "pvc-1"},
                                         {"a_b", "a_5fb"},
                                         {"a b", "a_20b"},
                                         {".hidden", "_2ehidden"},
                                         {"x.y", "x.y"},
                                         {"ü", "_c3_bc"}}) {
    auto file = FileNameForVolumeName(c.name);
    ASSERT_TRUE(file.ok()) << c.name;
    EXPECT_EQ(*file, c.file) << c.name;
    for (char ch : *file) EXPECT_TRUE(IsMdsNameChar(ch)) << c.name;
  }
  EXPECT_NE(*FileNameForVolumeName("a_20b"), *FileNameForVolumeName("a b"));
  EXPECT_TRUE(FileNameForVolumeName(std::string(128, 'a')).ok());
  EXPECT_EQ(FileNameForVolumeName(std::string(200, '/')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FileNameForVolumeName("").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace curve::csi
