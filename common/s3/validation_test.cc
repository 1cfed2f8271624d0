#include "common/s3/validation.h"

#include <gtest/gtest.h>

namespace curve::s3 {
namespace {

TEST(ParseEndpointTest, AcceptedForms) {
  struct Case {
    std::string text;
    bool https;
    std::string host;
    int port;
    std::string url;
    std::string host_header;
  };
  const Case cases[] = {
      {"http://127.0.0.1:9000", false, "127.0.0.1", 9000, "http://127.0.0.1:9000",
       "127.0.0.1:9000"},
      {"127.0.0.1:9000", false, "127.0.0.1", 9000, "http://127.0.0.1:9000", "127.0.0.1:9000"},
      {"https://s3.example.com", true, "s3.example.com", 0, "https://s3.example.com",
       "s3.example.com"},
      {"HTTPS://s3.example.com:8443/", true, "s3.example.com", 8443, "https://s3.example.com:8443",
       "s3.example.com:8443"},
      {"nos.local", false, "nos.local", 0, "http://nos.local", "nos.local"},
      {"http://[::1]:9000", false, "[::1]", 9000, "http://[::1]:9000", "[::1]:9000"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    Result<Endpoint> endpoint = ParseEndpoint(c.text);
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    EXPECT_EQ(endpoint->https, c.https);
    EXPECT_EQ(endpoint->host, c.host);
    EXPECT_EQ(endpoint->port, c.port);
    EXPECT_EQ(endpoint->url, c.url);
    EXPECT_EQ(endpoint->host_header, c.host_header);
  }
}

TEST(ParseEndpointTest, RejectedFormsNameTheProblem) {
  struct Case {
    std::string text;
    std::string message_part;
  };
  const Case cases[] = {
      {"", "empty"},
      {"ftp://host:21", "scheme 'ftp'"},
      {"http://host:9000/bucket", "path, query or fragment '/bucket'"},
      {"http://host:9000?x=1", "path, query or fragment '?x=1'"},
      {"http://user:pw@host:9000", "user info"},
      {"http://:9000", "no host"},
      {"http://host:", "invalid port ''"},
      {"http://host:0", "invalid port '0'"},
      {"http://host:65536", "invalid port '65536'"},
      {"http://host:9x", "invalid port '9x'"},
      {"http://host:1:2", "invalid port '1:2'"},
      {"http://ho st:9000", "invalid character ' '"},
      {"http://[::1:9000", "unterminated IPv6"},
      {"http://[::1]x", "junk after the IPv6"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    Result<Endpoint> endpoint = ParseEndpoint(c.text);
    ASSERT_FALSE(endpoint.ok());
    EXPECT_EQ(endpoint.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(endpoint.status().message().find(c.message_part), std::string::npos)
        << endpoint.status();
    if (!c.text.empty()) {
      EXPECT_NE(endpoint.status().message().find("'" + c.text + "'"), std::string::npos)
          << endpoint.status();
    }
  }
}

TEST(ValidateBucketNameTest, Table) {
  struct Case {
    std::string bucket;
    std::string message_part;  // empty: valid
  };
  const Case cases[] = {
      {"snapshots", ""},
      {"curve-snap.2026", ""},
      {"abc", ""},
      {std::string(63, 'a'), ""},
      {"ab", "3-63 characters"},
      {std::string(64, 'a'), "3-63 characters"},
      {"Snapshots", "only lower-case letters"},
      {"snap_shots", "only lower-case letters"},
      {"snap shots", "only lower-case letters"},
      {"-snap", "start and end"},
      {"snap.", "start and end"},
      {"snap..shots", "'..'"},
      {"192.168.5.4", "IP address"},
      {"xn--snap", "'xn--'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.bucket);
    Status status = ValidateBucketName(c.bucket);
    if (c.message_part.empty()) {
      EXPECT_TRUE(status.ok()) << status;
      continue;
    }
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(status.message().find(c.message_part), std::string::npos) << status;
    EXPECT_NE(status.message().find("'" + c.bucket + "'"), std::string::npos) << status;
  }
}

TEST(ValidateKeyTest, Table) {
  struct Case {
    std::string key;
    bool valid;
  };
  const Case cases[] = {
      {"a", true},
      {"snap/vol 1/chunk+0", true},
      {"\xc3\xa9t\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80", true},  // été/€/😀
      {std::string(1024, 'k'), true},
      {"", false},
      {std::string(1025, 'k'), false},
      {"bad\xff", false},
      {"\xc3", false},              // truncated sequence
      {"\xc0\xaf", false},          // overlong '/'
      {"\xed\xa0\x80", false},      // a UTF-16 surrogate
      {"\xf4\x90\x80\x80", false},  // above U+10FFFF
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    SCOPED_TRACE(i);
    Status status = ValidateKey(cases[i].key);
    EXPECT_EQ(status.ok(), cases[i].valid) << status;
    if (!cases[i].valid) {
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace curve::s3
