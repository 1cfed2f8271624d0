// The node plugin's kubelet registration and liveness endpoints, driven the way the kubelet
// drives them: a gRPC client on the registration socket (GetInfo, then the CSI socket the answer
// names, then NotifyRegistrationStatus) and HTTP GETs of /healthz.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/testing/subprocess.h"
#include "csi/driver/driver.h"
#include "proto/csi/csi.grpc.pb.h"
#include "proto/kubelet/pluginregistration.grpc.pb.h"

namespace curve::csi {
namespace {

namespace reg = ::pluginregistration;

// "<status code> <body>" of GET `path` on 127.0.0.1:`port`, or "" when the connection fails.
std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in address {};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<struct sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return "";
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  EXPECT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[1024];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) response.append(buffer, n);
  close(fd);
  size_t space = response.find(' ');
  size_t body = response.find("\r\n\r\n");
  if (space == std::string::npos || body == std::string::npos) return "malformed: " + response;
  return response.substr(space + 1, 3) + " " + response.substr(body + 4);
}

class RegistrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.mode = Mode::kNode;
    options_.node_id = "node-1";
    options_.driver_name = "curve.csi.example.com";
    options_.endpoint = "unix://" + dir_.path() + "/csi/csi.sock";
    options_.attacher = "loopfile";
    options_.state_dir = dir_.path() + "/state";
    options_.loop_dir = dir_.path() + "/loop";
    options_.registration_socket = dir_.path() + "/plugins_registry/curve-reg.sock";
    options_.kubelet_registration_path = "/var/lib/kubelet/plugins/curve/csi.sock";
    options_.healthz_listen = "127.0.0.1:0";
    // A stale socket from an earlier run is replaced.
    std::filesystem::create_directories(dir_.path() + "/plugins_registry");
    std::ofstream(options_.registration_socket) << "stale";
    auto driver = Driver::Start(options_);
    ASSERT_TRUE(driver.ok()) << driver.status();
    driver_ = std::move(driver).value();
    channel_ = grpc::CreateChannel("unix://" + options_.registration_socket,
                                   grpc::InsecureChannelCredentials());
    registration_ = reg::Registration::NewStub(channel_);
  }

  void Notify(bool registered, const std::string& error) {
    reg::RegistrationStatus status;
    status.set_plugin_registered(registered);
    status.set_error(error);
    reg::RegistrationStatusResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(registration_->NotifyRegistrationStatus(&context, status, &response).ok());
  }

  curve::testing::TempDir dir_;
  DriverOptions options_;
  std::unique_ptr<Driver> driver_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<reg::Registration::Stub> registration_;
};

TEST_F(RegistrationTest, GetInfoNamesTheDriverAndTheKubeletsPathOfTheCsiSocket) {
  reg::InfoRequest request;
  reg::PluginInfo info;
  grpc::ClientContext context;
  auto status = registration_->GetInfo(&context, request, &info);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(info.type(), "CSIPlugin");
  EXPECT_EQ(info.name(), "curve.csi.example.com");
  EXPECT_EQ(info.endpoint(), "/var/lib/kubelet/plugins/curve/csi.sock");
  ASSERT_EQ(info.supported_versions_size(), 1);
  EXPECT_EQ(info.supported_versions(0), "1.0.0");
}

TEST_F(RegistrationTest, DefaultEndpointIsTheCsiSocketWhichAnswersLikeKubeletExpects) {
  driver_.reset();
  EXPECT_FALSE(std::filesystem::exists(options_.registration_socket))
      << "a stopped plugin removes its registration socket so the kubelet unregisters it";
  options_.kubelet_registration_path.clear();
  auto driver = Driver::Start(options_);
  ASSERT_TRUE(driver.ok()) << driver.status();
  driver_ = std::move(driver).value();
  auto channel = grpc::CreateChannel("unix://" + options_.registration_socket,
                                     grpc::InsecureChannelCredentials());
  reg::InfoRequest request;
  reg::PluginInfo info;
  grpc::ClientContext context;
  ASSERT_TRUE(reg::Registration::NewStub(channel)->GetInfo(&context, request, &info).ok());
  EXPECT_EQ(info.endpoint(), dir_.path() + "/csi/csi.sock");
  // The kubelet then dials that endpoint and asks the node for its id.
  auto csi = grpc::CreateChannel("unix://" + info.endpoint(), grpc::InsecureChannelCredentials());
  ::csi::v1::NodeGetInfoRequest node_request;
  ::csi::v1::NodeGetInfoResponse node_info;
  grpc::ClientContext node_context;
  auto status = ::csi::v1::Node::NewStub(csi)->NodeGetInfo(&node_context, node_request, &node_info);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(node_info.node_id(), "node-1");
}

TEST_F(RegistrationTest, HealthzFollowsTheCsiSocketAndTheKubeletsVerdict) {
  int port = driver_->healthz_port();
  ASSERT_GT(port, 0);
  EXPECT_EQ(HttpGet(port, "/healthz"), "200 ok\n");
  EXPECT_EQ(HttpGet(port, "/metrics").substr(0, 4), "404 ");
  Notify(true, "");
  EXPECT_EQ(HttpGet(port, "/healthz"), "200 ok\n");
  Notify(false, "driver name mismatch");
  std::string refused = HttpGet(port, "/healthz");
  EXPECT_EQ(refused.substr(0, 4), "503 ");
  EXPECT_NE(refused.find("driver name mismatch"), std::string::npos) << refused;
  Notify(true, "");
  EXPECT_EQ(HttpGet(port, "/healthz"), "200 ok\n");
  // A CSI socket that no longer answers fails the probe.
  std::filesystem::remove(dir_.path() + "/csi/csi.sock");
  std::string gone = HttpGet(port, "/healthz");
  EXPECT_EQ(gone.substr(0, 4), "503 ") << gone;
  EXPECT_NE(gone.find("CSI Probe on unix://"), std::string::npos) << gone;
}

}  // namespace
}  // namespace curve::csi
