#include "operator/k8s/api_status.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "operator/k8s/kube_config.h"
#include "operator/k8s/kube_time.h"
#include "operator/k8s/object_meta.h"
#include "operator/k8s/resource.h"

namespace curve::k8s {
namespace {

std::string ApiStatusBody(int code, const std::string& reason, const std::string& message) {
  return nlohmann::json{{"kind", "Status"},   {"apiVersion", "v1"}, {"status", "Failure"},
                        {"message", message}, {"reason", reason},   {"code", code}}
      .dump();
}

TEST(ApiStatusTest, MapsHttpStatusesToCodes) {
  struct Case {
    int http;
    std::string reason;
    StatusCode code;
  };
  const Case cases[] = {
      {200, "", StatusCode::kOk},
      {201, "", StatusCode::kOk},
      {400, "BadRequest", StatusCode::kInvalidArgument},
      {401, "Unauthorized", StatusCode::kUnauthenticated},
      {403, "Forbidden", StatusCode::kPermissionDenied},
      {404, "NotFound", StatusCode::kNotFound},
      {405, "MethodNotAllowed", StatusCode::kUnimplemented},
      {409, "AlreadyExists", StatusCode::kAlreadyExists},
      {409, "Conflict", StatusCode::kAborted},
      {410, "Expired", StatusCode::kOutOfRange},
      {410, "Gone", StatusCode::kOutOfRange},
      {415, "UnsupportedMediaType", StatusCode::kInvalidArgument},
      {422, "Invalid", StatusCode::kInvalidArgument},
      {429, "TooManyRequests", StatusCode::kResourceExhausted},
      {500, "InternalError", StatusCode::kUnavailable},
      {503, "ServiceUnavailable", StatusCode::kUnavailable},
      {504, "Timeout", StatusCode::kDeadlineExceeded},
  };
  for (const auto& c : cases) {
    Status status = StatusFromHttp(c.http, ApiStatusBody(c.http, c.reason, "why"), "get x");
    EXPECT_EQ(status.code(), c.code) << c.http << " " << c.reason;
  }
}

TEST(ApiStatusTest, KeepsTheServersMessage) {
  Status status = StatusFromHttp(
      422, ApiStatusBody(422, "Invalid", "ConfigMap \"Bad\" is invalid: metadata.name: Invalid"),
      "create configmaps ns/Bad");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("metadata.name: Invalid"), std::string::npos);
  EXPECT_NE(status.message().find("create configmaps ns/Bad"), std::string::npos);
}

TEST(ApiStatusTest, NonStatusBodiesAreQuoted) {
  Status status = StatusFromHttp(502, "bad gateway", "list pods");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("bad gateway"), std::string::npos);
  EXPECT_TRUE(IsRetryable(status));
  EXPECT_TRUE(IsGone(StatusFromHttp(410, "", "watch")));
  EXPECT_TRUE(IsConflict(StatusFromHttp(409, ApiStatusBody(409, "Conflict", "x"), "update")));
}

TEST(ApiStatusTest, WatchErrorEventStatus) {
  nlohmann::json error = {{"kind", "Status"},
                          {"code", 410},
                          {"reason", "Expired"},
                          {"message", "too old resource version: 1 (200)"}};
  Status status = StatusFromApiStatus(error, "watch configmaps");
  EXPECT_TRUE(IsGone(status));
  EXPECT_NE(status.message().find("too old resource version"), std::string::npos);
}

TEST(ResourceTest, Paths) {
  EXPECT_EQ(resources::kConfigMaps.Path("ns", "cm"), "/api/v1/namespaces/ns/configmaps/cm");
  EXPECT_EQ(resources::kConfigMaps.Path(""), "/api/v1/configmaps");
  EXPECT_EQ(resources::kLeases.Path("ns"), "/apis/coordination.k8s.io/v1/namespaces/ns/leases");
  EXPECT_EQ(resources::kNodes.Path("ignored", "n1"), "/api/v1/nodes/n1");
  Resource crd{"operator.curve.io", "v1", "curveclusters"};
  EXPECT_EQ(crd.Path("ns", "c", "status"),
            "/apis/operator.curve.io/v1/namespaces/ns/curveclusters/c/status");
  EXPECT_EQ(crd.ApiVersion(), "operator.curve.io/v1");
  EXPECT_EQ(resources::kPods.ApiVersion(), "v1");
}

TEST(ObjectMetaTest, FinalizersAndKeys) {
  Json object = {{"metadata", {{"name", "a"}, {"namespace", "ns"}}}};
  EXPECT_EQ(ObjectKey(object), "ns/a");
  EXPECT_EQ(SplitObjectKey("ns/a"), std::make_pair(std::string("ns"), std::string("a")));
  EXPECT_EQ(SplitObjectKey("node1"), std::make_pair(std::string(), std::string("node1")));
  EXPECT_FALSE(HasFinalizer(object, "curve.io/cleanup"));
  EXPECT_TRUE(AddFinalizer(object, "curve.io/cleanup"));
  EXPECT_FALSE(AddFinalizer(object, "curve.io/cleanup"));
  EXPECT_TRUE(HasFinalizer(object, "curve.io/cleanup"));
  EXPECT_TRUE(RemoveFinalizer(object, "curve.io/cleanup"));
  EXPECT_FALSE(RemoveFinalizer(object, "curve.io/cleanup"));
  EXPECT_FALSE(IsBeingDeleted(object));
  object["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  EXPECT_TRUE(IsBeingDeleted(object));
}

TEST(ObjectMetaTest, OwnerReferences) {
  Json owner = {{"apiVersion", "operator.curve.io/v1"},
                {"kind", "CurveCluster"},
                {"metadata", {{"name", "c1"}, {"uid", "u-1"}}}};
  Json child = {{"metadata", {{"name", "c1-mds"}}}};
  Json ref = MakeOwnerReference(owner);
  EXPECT_TRUE(SetOwnerReference(child, ref));
  EXPECT_FALSE(SetOwnerReference(child, ref));
  EXPECT_TRUE(IsOwnedBy(child, "u-1"));
  EXPECT_FALSE(IsOwnedBy(child, "u-2"));
  EXPECT_EQ(ControllerOf(child).value("kind", ""), "CurveCluster");
  EXPECT_EQ(child["metadata"]["ownerReferences"].size(), 1u);
}

TEST(ObjectMetaTest, LabelSelectors) {
  Json object = {{"metadata", {{"labels", {{"app", "curve"}, {"role", "mds"}}}}}};
  EXPECT_TRUE(MatchesLabelSelector(object, ""));
  EXPECT_TRUE(MatchesLabelSelector(object, "app=curve"));
  EXPECT_TRUE(MatchesLabelSelector(object, "app==curve, role"));
  EXPECT_TRUE(MatchesLabelSelector(object, "role!=etcd,!zone"));
  EXPECT_FALSE(MatchesLabelSelector(object, "app=other"));
  EXPECT_FALSE(MatchesLabelSelector(object, "zone"));
  EXPECT_FALSE(MatchesLabelSelector(object, "!role"));
  EXPECT_FALSE(MatchesLabelSelector(object, "role!=mds"));
}

TEST(KubeTimeTest, FormatsAndParses) {
  auto t = std::chrono::system_clock::from_time_t(1700000000) + std::chrono::microseconds(123456);
  EXPECT_EQ(FormatTime(t), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatMicroTime(t), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(ParseTime("2023-11-14T22:13:20.123456Z"), t);
  EXPECT_EQ(ParseTime("2023-11-15T00:13:20.123456+02:00"), t);
  EXPECT_EQ(ParseTime("garbage"), std::nullopt);
}

TEST(KubeConfigTest, ReadsInlineDataAndTheCurrentContext) {
  const char* yaml = R"(
apiVersion: v1
kind: Config
current-context: admin
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: Q0EtUEVN
contexts:
- name: admin
  context: {cluster: local, user: admin, namespace: curve}
- name: other
  context: {cluster: local, user: bot}
users:
- name: admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- name: bot
  user:
    token: secret-token
)";
  auto config = KubeConfig::FromKubeconfigString(yaml, "test", "/tmp");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_EQ(config->ca_pem, "CA-PEM");
  EXPECT_EQ(config->client_cert_pem, "CERT");
  EXPECT_EQ(config->client_key_pem, "KEY");
  EXPECT_EQ(config->ns, "curve");
  auto other = KubeConfig::FromKubeconfigString(yaml, "test", "/tmp", "other");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->token, "secret-token");
  EXPECT_EQ(other->ns, "default");
  auto missing = KubeConfig::FromKubeconfigString(yaml, "test", "/tmp", "nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
  EXPECT_FALSE(KubeConfig::FromKubeconfigString(": : [", "bad", "/tmp").ok());
}

TEST(KubeConfigTest, LoadPrefersTheGivenPathOverKubeconfigEnv) {
  char dir_template[] = "/tmp/kubeconfig-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  auto write = [&](const std::string& name, const std::string& server) {
    std::ofstream(dir + "/" + name)
        << "clusters: [{name: c, cluster: {server: " << server
        << "}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
        << "current-context: x\nusers: [{name: u, user: {token: t}}]\n";
  };
  write("flag", "https://flag:6443");
  write("env", "https://env:6443");
  ::setenv("KUBECONFIG", (dir + "/env").c_str(), 1);
  auto from_flag = KubeConfig::Load(dir + "/flag");
  auto from_env = KubeConfig::Load();
  auto missing = KubeConfig::Load(dir + "/nope");
  ::unsetenv("KUBECONFIG");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(from_flag.ok()) << from_flag.status();
  EXPECT_EQ(from_flag->server, "https://flag:6443");
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_EQ(from_env->server, "https://env:6443");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos) << missing.status();
}

TEST(KubeConfigTest, Base64) {
  EXPECT_EQ(*Base64Decode("aGVsbG8gd29ybGQ="), "hello world");
  EXPECT_EQ(*Base64Decode("aGVs\nbG8="), "hello");
  EXPECT_FALSE(Base64Decode("a*b").ok());
}

}  // namespace
}  // namespace curve::k8s
