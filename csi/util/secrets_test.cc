#include "csi/util/secrets.h"

#include <gtest/gtest.h>

#include "proto/csi/csi.pb.h"

namespace curve::csi {
namespace {

TEST(SecretsTest, SecretValuesNeverReachTheLogLine) {
  ::csi::v1::CreateVolumeRequest create;
  create.set_name("pvc-1");
  (*create.mutable_secrets())["password"] = "hunter2";
  (*create.mutable_parameters())["user"] = "alice";
  std::string line = StripSecretsForLog(create);
  EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
  EXPECT_NE(line.find("password"), std::string::npos) << line;  // the key stays visible
  EXPECT_NE(line.find("stripped"), std::string::npos) << line;
  EXPECT_NE(line.find("pvc-1"), std::string::npos) << line;
  EXPECT_NE(line.find("alice"), std::string::npos) << line;
  EXPECT_EQ(create.secrets().at("password"), "hunter2");  // the request itself is untouched

  ::csi::v1::NodeStageVolumeRequest stage;
  stage.set_volume_id("v");
  (*stage.mutable_secrets())["key"] = "s3cr3t";
  (*stage.mutable_volume_context())["user"] = "bob";
  line = StripSecretsForLog(stage);
  EXPECT_EQ(line.find("s3cr3t"), std::string::npos) << line;
  EXPECT_NE(line.find("bob"), std::string::npos) << line;
}

TEST(SecretsTest, EveryCsiSecretFieldIsMarkedInTheProto) {
  const auto* field = ::csi::v1::DeleteVolumeRequest::descriptor()->FindFieldByName("secrets");
  ASSERT_NE(field, nullptr);
  EXPECT_TRUE(field->options().GetExtension(::csi::v1::csi_secret));
  EXPECT_EQ(field->number(), 2);
}

}  // namespace
}  // namespace curve::csi
