#include "common/s3/sigv4.h"

#include <gtest/gtest.h>

namespace curve::s3 {
namespace {

// The examples of AWS's "Signature Calculations for the Authorization Header: Transferring
// Payload in a Single Chunk" (Amazon S3 API reference), with their published values.
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kDate[] = "20130524T000000Z";
const SigningKey kKey{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                      "us-east-1", "s3"};

TEST(Sha256HexTest, MatchesKnownDigests) {
  EXPECT_EQ(Sha256Hex(""), kEmptySha256);
  EXPECT_EQ(Sha256Hex("Welcome to Amazon S3."),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

TEST(SignV4Test, AwsExampleGetObject) {
  SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/test.txt";
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", kEmptySha256},
                     {"x-amz-date", kDate}};
  request.payload_sha256 = kEmptySha256;
  Signature signature = SignV4(request, kKey, kDate);
  EXPECT_EQ(signature.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                std::string(kEmptySha256) +
                "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha256);
  EXPECT_EQ(signature.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signature.signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(signature.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SignV4Test, AwsExamplePutObjectWithEncodedKey) {
  std::string body = "Welcome to Amazon S3.";
  SigningRequest request;
  request.method = "PUT";
  request.canonical_uri = "/" + UriEncode("test$file.text", true);
  request.payload_sha256 = Sha256Hex(body);
  // Out of order and in mixed case: the signer sorts and lower-cases.
  request.headers = {{"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"Host", "examplebucket.s3.amazonaws.com"},
                     {"X-Amz-Date", kDate},
                     {"x-amz-content-sha256", request.payload_sha256}};
  Signature signature = SignV4(request, kKey, kDate);
  EXPECT_EQ(request.canonical_uri, "/test%24file.text");
  EXPECT_EQ(signature.signed_headers,
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(signature.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(signature.signature,
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SignV4Test, AwsExampleGetBucketLifecycleSignsAValuelessParameter) {
  SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/";
  request.query = {{"lifecycle", ""}};
  request.headers = {{"host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-content-sha256", kEmptySha256},
                     {"x-amz-date", kDate}};
  request.payload_sha256 = kEmptySha256;
  Signature signature = SignV4(request, kKey, kDate);
  EXPECT_NE(signature.canonical_request.find("\n/\nlifecycle=\nhost:"), std::string::npos)
      << signature.canonical_request;
  EXPECT_EQ(signature.signature,
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SignV4Test, AwsExampleListObjectsSortsTheQuery) {
  SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/";
  request.query = {{"prefix", "J"}, {"max-keys", "2"}};
  request.headers = {{"host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-content-sha256", kEmptySha256},
                     {"x-amz-date", kDate}};
  request.payload_sha256 = kEmptySha256;
  Signature signature = SignV4(request, kKey, kDate);
  EXPECT_NE(signature.canonical_request.find("\n/\nmax-keys=2&prefix=J\n"), std::string::npos)
      << signature.canonical_request;
  EXPECT_EQ(signature.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(signature.signature,
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SignV4Test, ADifferentSecretGivesADifferentSignature) {
  SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/test.txt";
  request.headers = {{"host", "h"}, {"x-amz-date", kDate}};
  request.payload_sha256 = kEmptySha256;
  SigningKey other = kKey;
  other.secret_key += "x";
  EXPECT_NE(SignV4(request, kKey, kDate).signature, SignV4(request, other, kDate).signature);
}

TEST(SignV4Test, HeaderValuesAreTrimmedAndRepeatsJoined) {
  SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/";
  request.headers = {
      {"host", "h"}, {"My-Header", "  a   b  "}, {"my-header", "c"}, {"x-amz-date", kDate}};
  request.payload_sha256 = kEmptySha256;
  Signature signature = SignV4(request, kKey, kDate);
  EXPECT_NE(signature.canonical_request.find("\nmy-header:a b,c\n"), std::string::npos)
      << signature.canonical_request;
  EXPECT_EQ(signature.signed_headers, "host;my-header;x-amz-date");
}

TEST(UriEncodeTest, EncodesAllButUnreservedCharacters) {
  EXPECT_EQ(UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b+c/d", false), "a%20b%2Bc%2Fd");
  EXPECT_EQ(UriEncode("a b+c/d", true), "a%20b%2Bc/d");
  EXPECT_EQ(UriEncode("\xc3\xa9=*", true), "%C3%A9%3D%2A");
}

TEST(CanonicalQueryTest, EncodesThenSortsByNameAndValue) {
  EXPECT_EQ(CanonicalQuery({{"b", "2"}, {"a", "x y"}, {"a", "1"}}), "a=1&a=x%20y&b=2");
  EXPECT_EQ(CanonicalQuery({}), "");
  EXPECT_EQ(CanonicalQuery({{"prefix", "a/b"}}), "prefix=a%2Fb");
}

TEST(AmzDateTest, FormatsUtc) {
  EXPECT_EQ(AmzDate(0), "19700101T000000Z");
  EXPECT_EQ(AmzDate(1369353600), "20130524T000000Z");
}

}  // namespace
}  // namespace curve::s3
