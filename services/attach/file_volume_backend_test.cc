#include "services/attach/file_volume_backend.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "common/testing/subprocess.h"

namespace curve::attach {
namespace {

TEST(FileVolumeBackendTest, ReadWriteFlushWithinTheFile) {
  testing::TempDir dir;
  std::string path = dir.path() + "/image";
  std::ofstream(path) << std::string(1 << 16, '\0');
  auto backend = OpenVolumeBackend("file:" + path);
  ASSERT_TRUE(backend.ok()) << backend.status();
  EXPECT_EQ((*backend)->Size(), 1u << 16);
  EXPECT_EQ((*backend)->Describe(), "file:" + path);
  std::string data = "hello, volume";
  ASSERT_TRUE((*backend)->Write(4093, data.size(), data.data()).ok());
  ASSERT_TRUE((*backend)->Flush().ok());
  std::string out(data.size(), '\0');
  ASSERT_TRUE((*backend)->Read(4093, out.size(), out.data()).ok());
  EXPECT_EQ(out, data);
}

TEST(FileVolumeBackendTest, Errors) {
  testing::TempDir dir;
  EXPECT_EQ(OpenVolumeBackend("nbd:/x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenVolumeBackend("file:").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenVolumeBackend("file:" + dir.path() + "/absent").status().code(),
            StatusCode::kNotFound);
  std::ofstream(dir.path() + "/empty");
  EXPECT_EQ(OpenVolumeBackend("file:" + dir.path() + "/empty").status().code(),
            StatusCode::kInvalidArgument);
  std::ofstream(dir.path() + "/small") << std::string(4096, 'x');
  auto backend = OpenVolumeBackend("file:" + dir.path() + "/small");
  ASSERT_TRUE(backend.ok());
  char buf[8];
  EXPECT_EQ((*backend)->Read(4090, 8, buf).code(), StatusCode::kOutOfRange);
  EXPECT_EQ((*backend)->Write(4096, 1, buf).code(), StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace curve::attach
