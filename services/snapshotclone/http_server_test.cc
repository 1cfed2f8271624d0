#include "services/snapshotclone/http_server.h"

#include <gtest/gtest.h>

#include "common/testing/subprocess.h"
#include "services/snapshotclone/testing/http_get.h"

namespace curve::snapshotclone {
namespace {

using testing::HttpGet;

TEST(HttpServerTest, DecodesTheQueryAndAnswersTheHandlersJson) {
  const int port = curve::testing::PickFreePort();
  Query seen;
  auto server = HttpServer::Start("127.0.0.1:" + std::to_string(port), [&](const Query& q) {
    seen = q;
    return Answer{q.count("Fail") ? 500 : 200, R"({"Code":"0"})"};
  });
  ASSERT_TRUE(server.ok()) << server.status();

  auto ok = HttpGet(port, "/SnapshotCloneService?Action=CreateSnapshot&File=%2Fdir%2Fvol&Name=a+b");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"({"Code":"0"})");
  EXPECT_EQ(seen["Action"], "CreateSnapshot");
  EXPECT_EQ(seen["File"], "/dir/vol");
  EXPECT_EQ(seen["Name"], "a+b");

  auto failed = HttpGet(port, "/SnapshotCloneService?Fail=1");
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(failed->status, 500);

  auto other_path = HttpGet(port, "/SnapshotCloneService/else?Action=x");
  ASSERT_TRUE(other_path.ok()) << other_path.status();
  EXPECT_EQ(other_path->status, 404);
  auto post = HttpGet(port, "/SnapshotCloneService?Action=x", "POST");
  ASSERT_TRUE(post.ok()) << post.status();
  EXPECT_EQ(post->status, 405);

  (*server)->Stop();
  EXPECT_FALSE(HttpGet(port, "/SnapshotCloneService?Action=x").ok());
}

TEST(HttpServerTest, ABusyPortIsUnavailable) {
  const int port = curve::testing::PickFreePort();
  auto first = HttpServer::Start("127.0.0.1:" + std::to_string(port), [](const Query&) {
    return Answer{200, "{}"};
  });
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = HttpServer::Start("127.0.0.1:" + std::to_string(port), [](const Query&) {
    return Answer{200, "{}"};
  });
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
}

// The default listen address (no --listen) is 0.0.0.0:<server.port>.
TEST(HttpServerTest, ListensOnEveryAddress) {
  const int port = curve::testing::PickFreePort();
  auto server = HttpServer::Start("0.0.0.0:" + std::to_string(port), [](const Query&) {
    return Answer{200, "{}"};
  });
  ASSERT_TRUE(server.ok()) << server.status();
  auto answer = HttpGet(port, "/SnapshotCloneService?Action=x");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 200);
}

}  // namespace
}  // namespace curve::snapshotclone
