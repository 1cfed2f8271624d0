// S3ObjectStore against a real MinIO (common/s3/testing/minio_process.h). Fails, never skips,
// when MinIO cannot be built or started.
#include "common/s3/s3_object_store.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <random>
#include <thread>

#include "common/s3/testing/minio_process.h"
#include "common/testing/subprocess.h"

namespace curve::s3 {
namespace {

using testing::MinioProcess;

class S3ObjectStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new curve::testing::TempDir();
    auto started = MinioProcess::Start(dir_->path());
    if (started.ok()) {
      minio_ = started->release();
    } else {
      start_error_ = new Status(started.status());
    }
  }

  static void TearDownTestSuite() {
    delete minio_;  // kills it by PID
    minio_ = nullptr;
    delete dir_;
    dir_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(minio_, nullptr) << "MinIO did not start: " << *start_error_; }

  std::unique_ptr<ObjectStore> Open(const std::string& bucket) {
    auto store = NewS3ObjectStore(minio_->Options(bucket));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static curve::testing::TempDir* dir_;
  static MinioProcess* minio_;
  static Status* start_error_;
};

curve::testing::TempDir* S3ObjectStoreTest::dir_ = nullptr;
MinioProcess* S3ObjectStoreTest::minio_ = nullptr;
Status* S3ObjectStoreTest::start_error_ = nullptr;

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(random());
  return out;
}

TEST_F(S3ObjectStoreTest, CreatesTheBucketThenReopensIt) {
  auto store = Open("curve-created");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("k", "v").ok());
  // The bucket exists now: a second store uses it as it is.
  auto again = Open("curve-created");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(*again->Get("k"), "v");
}

TEST_F(S3ObjectStoreTest, PutGetOverwrite) {
  auto store = Open("curve-put-get");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("obj", "first").ok());
  EXPECT_EQ(*store->Get("obj"), "first");
  ASSERT_TRUE(store->Put("obj", std::string_view("second\0with nul", 15)).ok());
  EXPECT_EQ(*store->Get("obj"), std::string("second\0with nul", 15));
}

TEST_F(S3ObjectStoreTest, ZeroByteAndSixteenMibObjects) {
  auto store = Open("curve-sizes");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("empty", "").ok());
  Result<std::string> empty = store->Get("empty");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(*empty, "");

  std::string big = RandomBytes(16 << 20, 7);
  auto start = std::chrono::steady_clock::now();
  Status put = store->Put("chunk/16mib", big);
  auto put_done = std::chrono::steady_clock::now();
  ASSERT_TRUE(put.ok()) << put;
  Result<std::string> got = store->Get("chunk/16mib");
  auto get_done = std::chrono::steady_clock::now();
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), big.size());
  EXPECT_TRUE(*got == big);
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf("16 MiB object: put %lld ms, get %lld ms\n",
              static_cast<long long>(ms(put_done - start)),
              static_cast<long long>(ms(get_done - put_done)));
}

TEST_F(S3ObjectStoreTest, KeysNeedingUriEncodingRoundTripAndList) {
  auto store = Open("curve-encoding");
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> keys = {
      "dir/sub/with space",
      "dir/plus+sign",
      "dir/\xc3\xa9t\xc3\xa9/\xe2\x82\xac\xf0\x9f\x98\x80",  // été/€😀
      "dir/percent%41",
      "dir/query?x=1&y=2#frag",
      "dir/eq=semi;colon:comma,star*(paren)",
      "dir/dollar$at@tilde~quote'\"<xml>&amp;",
      "dir/-_.~",
  };
  for (size_t i = 0; i < keys.size(); ++i) {
    Status put = store->Put(keys[i], "value " + std::to_string(i));
    ASSERT_TRUE(put.ok()) << put;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    Result<std::string> got = store->Get(keys[i]);
    ASSERT_TRUE(got.ok()) << keys[i] << ": " << got.status();
    EXPECT_EQ(*got, "value " + std::to_string(i)) << keys[i];
  }
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  Result<std::vector<std::string>> listed = store->List("dir/");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(*listed, sorted);
  // A prefix that itself needs encoding.
  listed = store->List("dir/\xc3\xa9t\xc3\xa9/");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(*listed, (std::vector<std::string>{keys[2]}));
  listed = store->List("dir/plus+");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(*listed, (std::vector<std::string>{keys[1]}));
}

TEST_F(S3ObjectStoreTest, ListFollowsContinuationPastOneThousandKeys) {
  auto store = Open("curve-pages");
  ASSERT_NE(store, nullptr);
  constexpr int kKeys = 1001;  // one more than S3's (and MinIO's) page limit
  std::vector<std::string> want;
  for (int i = 0; i < kKeys; ++i) want.push_back("snap/" + std::to_string(i));
  std::sort(want.begin(), want.end());
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> writers;
  std::vector<Status> failures(4);
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = w; i < kKeys; i += 4) {
        Status put = store->Put("snap/" + std::to_string(i), "x");
        if (!put.ok()) failures[w] = put;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  for (const auto& failure : failures) ASSERT_TRUE(failure.ok()) << failure;
  ASSERT_TRUE(store->Put("snapshot-not-in-prefix", "x").ok());
  ASSERT_TRUE(store->Put("other/1", "x").ok());
  auto written = std::chrono::steady_clock::now();

  Result<std::vector<std::string>> listed = store->List("snap/");
  auto listed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(*listed, want);
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf("%d puts from 4 threads: %lld ms; list of %d keys: %lld ms\n", kKeys,
              static_cast<long long>(ms(written - start)), kKeys,
              static_cast<long long>(ms(listed_at - written)));

  // Small pages give the same answer.
  S3Options options = minio_->Options("curve-pages");
  options.list_page_size = 97;
  auto paged = NewS3ObjectStore(options);
  ASSERT_TRUE(paged.ok()) << paged.status();
  listed = (*paged)->List("snap/");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(*listed, want);
  listed = (*paged)->List("");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->size(), static_cast<size_t>(kKeys + 2));
}

TEST_F(S3ObjectStoreTest, DeleteAbsentIsOkAndGetAbsentIsNotFound) {
  auto store = Open("curve-delete");
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Delete("never-written").ok());
  ASSERT_TRUE(store->Put("gone", "x").ok());
  ASSERT_TRUE(store->Delete("gone").ok());
  Result<std::string> got = store->Get("gone");
  ASSERT_EQ(got.status().code(), StatusCode::kNotFound) << got.status();
  EXPECT_NE(got.status().message().find("NoSuchKey"), std::string::npos) << got.status();
  EXPECT_NE(got.status().message().find("key=gone"), std::string::npos) << got.status();
  EXPECT_NE(got.status().message().find("bucket=curve-delete"), std::string::npos);
  std::printf("absent: %s\n", got.status().message().c_str());
  EXPECT_TRUE(store->List("gone")->empty());
}

TEST_F(S3ObjectStoreTest, WrongSecretKeyIsPermissionDenied) {
  S3Options options = minio_->Options("curve-denied");
  options.secret_key = "not-the-secret";
  auto store = NewS3ObjectStore(options);
  ASSERT_EQ(store.status().code(), StatusCode::kPermissionDenied) << store.status();
  const std::string message = store.status().message();
  EXPECT_NE(message.find("SignatureDoesNotMatch"), std::string::npos) << message;
  EXPECT_NE(message.find("endpoint=" + minio_->endpoint()), std::string::npos) << message;
  EXPECT_NE(message.find("bucket=curve-denied"), std::string::npos) << message;
  EXPECT_NE(message.find("secret key"), std::string::npos) << message;
  EXPECT_EQ(message.find("not-the-secret"), std::string::npos) << "secret leaked: " << message;
  std::printf("wrong secret key: %s\n", message.c_str());

  options = minio_->Options("curve-denied");
  options.access_key = "nobody";
  store = NewS3ObjectStore(options);
  ASSERT_EQ(store.status().code(), StatusCode::kPermissionDenied) << store.status();
  EXPECT_NE(store.status().message().find("InvalidAccessKeyId"), std::string::npos)
      << store.status();
}

TEST_F(S3ObjectStoreTest, UnreachableEndpointIsUnavailable) {
  S3Options options = minio_->Options("curve-unreachable");
  options.endpoint = "127.0.0.1:" + std::to_string(curve::testing::PickFreePort());
  options.max_attempts = 2;
  options.timeout_seconds = 5;
  auto start = std::chrono::steady_clock::now();
  auto store = NewS3ObjectStore(options);
  ASSERT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(store.status().message().find("endpoint=http://" + options.endpoint), std::string::npos)
      << store.status();
  EXPECT_NE(store.status().message().find("bucket=curve-unreachable"), std::string::npos);
  EXPECT_NE(store.status().message().find("2 attempt"), std::string::npos) << store.status();
  std::printf("unreachable: %s\n", store.status().message().c_str());
}

TEST_F(S3ObjectStoreTest, InvalidOptionsFailBeforeAnyRequest) {
  S3Options options = minio_->Options("Bad_Bucket");
  EXPECT_EQ(NewS3ObjectStore(options).status().code(), StatusCode::kInvalidArgument);
  options = minio_->Options("curve-ok");
  options.endpoint = "ftp://127.0.0.1:1";
  EXPECT_EQ(NewS3ObjectStore(options).status().code(), StatusCode::kInvalidArgument);
  options = minio_->Options("curve-ok");
  options.secret_key.clear();
  EXPECT_EQ(NewS3ObjectStore(options).status().code(), StatusCode::kInvalidArgument);
  auto store = Open("curve-ok");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Put("", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Get(std::string(1025, 'k')).status().code(), StatusCode::kInvalidArgument);
}

TEST(S3ObjectStoreTlsTest, HttpsTrustsTheGivenCaFileOnly) {
  curve::testing::TempDir dir;
  auto minio = MinioProcess::Start(dir.path(), /*tls=*/true);
  ASSERT_TRUE(minio.ok()) << minio.status();
  S3Options options = (*minio)->Options("curve-tls");
  ASSERT_EQ(options.endpoint.rfind("https://127.0.0.1:", 0), 0u) << options.endpoint;
  ASSERT_FALSE(options.ca_file.empty());
  options.max_attempts = 1;

  auto store = NewS3ObjectStore(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Put("over/tls", "sealed").ok());
  EXPECT_EQ(*(*store)->Get("over/tls"), "sealed");

  // Without the CA the self-signed certificate is refused.
  S3Options untrusted = options;
  untrusted.ca_file.clear();
  auto refused = NewS3ObjectStore(untrusted);
  ASSERT_EQ(refused.status().code(), StatusCode::kUnavailable) << refused.status();
  std::printf("untrusted certificate: %s\n", refused.status().message().c_str());

  S3Options missing = options;
  missing.ca_file = dir.path() + "/no-such-ca.pem";
  auto invalid = NewS3ObjectStore(missing);
  ASSERT_EQ(invalid.status().code(), StatusCode::kInvalidArgument) << invalid.status();
  EXPECT_NE(invalid.status().message().find("no-such-ca.pem"), std::string::npos)
      << invalid.status();
}

TEST(MinioProcessTest, StopKillsTheServerByPid) {
  curve::testing::TempDir dir;
  auto minio = MinioProcess::Start(dir.path());
  ASSERT_TRUE(minio.ok()) << minio.status();
  int pid = (*minio)->pid();
  ASSERT_GT(pid, 0);
  // Start returned once S3 requests are served: the first one succeeds without a retry.
  S3Options options = (*minio)->Options("curve-stop");
  options.max_attempts = 1;
  auto store = NewS3ObjectStore(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Put("k", "v").ok());
  (*minio)->Stop();
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ((*store)->Get("k").status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace curve::s3
