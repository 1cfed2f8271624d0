#include "common/s3/s3_response.h"

#include <gtest/gtest.h>

namespace curve::s3 {
namespace {

TEST(ParseErrorTest, ReadsCodeAndMessage) {
  S3Error error = ParseError(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
      "<Message>The request signature we calculated does not match &amp; so on</Message>"
      "<Key>a</Key><RequestId>1</RequestId></Error>");
  EXPECT_EQ(error.code, "SignatureDoesNotMatch");
  EXPECT_EQ(error.message, "The request signature we calculated does not match & so on");
  EXPECT_EQ(ParseError("").code, "");
}

TEST(CodeForS3ErrorTest, Table) {
  struct Case {
    int http;
    std::string code;
    StatusCode want;
  };
  const Case cases[] = {
      {404, "NoSuchKey", StatusCode::kNotFound},
      {404, "NoSuchBucket", StatusCode::kNotFound},
      {404, "", StatusCode::kNotFound},
      {403, "AccessDenied", StatusCode::kPermissionDenied},
      {403, "SignatureDoesNotMatch", StatusCode::kPermissionDenied},
      {403, "InvalidAccessKeyId", StatusCode::kPermissionDenied},
      {403, "", StatusCode::kPermissionDenied},
      {400, "InvalidBucketName", StatusCode::kInvalidArgument},
      {409, "BucketAlreadyExists", StatusCode::kAlreadyExists},
      {409, "OperationAborted", StatusCode::kAborted},
      {411, "MissingContentLength", StatusCode::kFailedPrecondition},
      {416, "InvalidRange", StatusCode::kOutOfRange},
      {503, "SlowDown", StatusCode::kUnavailable},
      {500, "InternalError", StatusCode::kUnavailable},
      {429, "", StatusCode::kUnavailable},
      {418, "", StatusCode::kUnknown},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.http) + " " + c.code);
    EXPECT_EQ(CodeForS3Error(c.http, c.code), c.want);
  }
}

TEST(ParseListPageTest, DecodesKeysAndContinuation) {
  Result<ListPage> page = ParseListPage(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
      "<Prefix>a%2F</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
      "<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>tok&amp;en</NextContinuationToken>"
      "<Contents><Key>a/x+y%2Bz</Key><Size>1</Size><Owner><ID>o</ID></Owner></Contents>"
      "<Contents><Key>a/%C3%A9</Key><Size>0</Size></Contents></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->keys, (std::vector<std::string>{"a/x y+z", "a/\xc3\xa9"}));
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "tok&en");
}

TEST(ParseListPageTest, EmptyLastPage) {
  Result<ListPage> page = ParseListPage(
      "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount>"
      "<IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->keys.empty());
  EXPECT_FALSE(page->truncated);
}

TEST(ParseListPageTest, RejectsWhatIsNotAListing) {
  EXPECT_EQ(ParseListPage("<Error><Code>x</Code></Error>").status().code(), StatusCode::kInternal);
  EXPECT_EQ(ParseListPage("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>")
                .status()
                .code(),
            StatusCode::kInternal);
  EXPECT_EQ(ParseListPage("<ListBucketResult><Contents><Key>a%G1</Key></Contents>"
                          "</ListBucketResult>")
                .status()
                .code(),
            StatusCode::kInternal);
}

TEST(XmlUnescapeTest, Entities) {
  EXPECT_EQ(XmlUnescape("a&lt;b&gt;c&amp;d&quot;e&apos;f"), "a<b>c&d\"e'f");
  EXPECT_EQ(XmlUnescape("&#65;&#x42;&#xe9;"), "AB\xc3\xa9");
  EXPECT_EQ(XmlUnescape("&bogus; & &#xZZ;"), "&bogus; & &#xZZ;");
}

TEST(UrlDecodeTest, PercentAndPlus) {
  EXPECT_EQ(*UrlDecode("a%20b+c%2b"), "a b c+");
  EXPECT_EQ(UrlDecode("a%2").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(UrlDecode("%zz").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace curve::s3
