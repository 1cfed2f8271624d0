#include "services/chunkserver/server/chunk_server_options.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/config.h"

namespace curve::chunkserver {
namespace {

// The keys every chunkserver needs, plus `extra`.
Status LoadWith(const std::map<std::string, std::string>& extra, ChunkServerOptions* options) {
  config::ConfigSource source;
  source.Set("dataDir", "/data/cs1", "test");
  source.Set("listen", "127.0.0.1:8200", "test");
  source.Set("mds.addresses", "127.0.0.1:6700", "test");
  for (const auto& [key, value] : extra) source.Set(key, value, "flag --" + key);
  CURVE_RETURN_IF_ERROR(options->Load(source));
  return source.CheckNoUnknownKeys();
}

TEST(ChunkServerOptionsTest, ChunkFilesAreBufferedByDefault) {
  ChunkServerOptions options;
  ASSERT_TRUE(LoadWith({}, &options).ok());
  EXPECT_FALSE(options.direct_io);
}

TEST(ChunkServerOptionsTest, DirectIoCanBeTurnedOn) {
  ChunkServerOptions options;
  ASSERT_TRUE(LoadWith({{"datastore.directIo", "true"}}, &options).ok());
  EXPECT_TRUE(options.direct_io);
}

TEST(ChunkServerOptionsTest, BadDirectIoValueNamesTheKey) {
  ChunkServerOptions options;
  Status status = LoadWith({{"datastore.directIo", "sometimes"}}, &options);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("datastore.directIo"), std::string::npos) << status;
  EXPECT_NE(status.message().find("sometimes"), std::string::npos) << status;
}

}  // namespace
}  // namespace curve::chunkserver
