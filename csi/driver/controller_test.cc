// The controller and identity services on a fake MDS: idempotency by name, incompatible
// requests, parameters, pagination, capacity, expansion, locks and error mapping.
#include <gtest/gtest.h>

#include "csi/driver/controller_server.h"
#include "csi/driver/identity_server.h"
#include "csi/testing/fake_volume_backend.h"
#include "csi/util/mds_errors.h"

namespace curve::csi {
namespace {

namespace v1 = ::csi::v1;
using testing::FakeVolumeBackend;

class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest() : controller_(backend_, ControllerOptions{}) {}

  grpc::Status Create(const std::string& name, int64_t required, int64_t limit = 0,
                      std::map<std::string, std::string> params = {},
                      v1::CreateVolumeResponse* response = nullptr) {
    v1::CreateVolumeRequest request;
    request.set_name(name);
    request.mutable_capacity_range()->set_required_bytes(required);
    request.mutable_capacity_range()->set_limit_bytes(limit);
    auto* capability = request.add_volume_capabilities();
    capability->mutable_mount();
    capability->mutable_access_mode()->set_mode(
        v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    for (const auto& [k, v] : params) (*request.mutable_parameters())[k] = v;
    v1::CreateVolumeResponse ignored;
    return controller_.CreateVolume(nullptr, &request, response ? response : &ignored);
  }

  FakeVolumeBackend backend_;
  ControllerServer controller_;
};

TEST_F(ControllerTest, CreateIsIdempotentByNameAndRoundsToGiB) {
  v1::CreateVolumeResponse first, second;
  ASSERT_TRUE(Create("pvc-1", 10 * kGiB + 1, 0, {}, &first).ok());
  EXPECT_EQ(first.volume().capacity_bytes(), 11 * kGiB);
  EXPECT_EQ(first.volume().volume_id(), "0001-03-k8s-pvc-1");
  EXPECT_EQ(first.volume().volume_context().at("poolset"), "default");
  ASSERT_TRUE(Create("pvc-1", 10 * kGiB + 1, 0, {}, &second).ok());
  EXPECT_EQ(second.volume().volume_id(), first.volume().volume_id());
  EXPECT_EQ(backend_.volumes.size(), 1u);
}

TEST_F(ControllerTest, IncompatibleRequestsForAnExistingNameAreAlreadyExists) {
  ASSERT_TRUE(Create("pvc-1", 10 * kGiB).ok());
  EXPECT_EQ(Create("pvc-1", 20 * kGiB).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  auto other_poolset = Create("pvc-1", 10 * kGiB, 0, {{"poolset", "ssd"}});
  EXPECT_EQ(other_poolset.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(other_poolset.error_message().find("poolset default"), std::string::npos);
  EXPECT_EQ(Create("pvc-1", 10 * kGiB, 0, {{"user", "bob"}}).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(ControllerTest, BadRequestsNameTheCause) {
  auto unknown = Create("pvc-1", 0, 0, {{"pool", "x"}});
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(unknown.error_message().find("unknown parameters: pool"), std::string::npos);
  auto poolset = Create("pvc-1", 0, 0, {{"poolset", "nvme"}});
  EXPECT_EQ(poolset.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(poolset.error_message().find("poolset nvme does not exist"), std::string::npos);
  EXPECT_EQ(Create("", 0).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Create("pvc-2", 30ll << 40).error_code(), grpc::StatusCode::OUT_OF_RANGE);
  backend_.fail_with =
      FromMdsError(UnavailableError("connection refused"), "create volume", "10.0.0.1:6700");
  auto down = Create("pvc-3", 0);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(down.error_message().find("MDS unreachable at 10.0.0.1:6700"), std::string::npos);
}

TEST_F(ControllerTest, ErrorMappingKeepsCodesAndNamesTheMds) {
  EXPECT_TRUE(FromMdsError(Status::Ok(), "x", "a:1").ok());
  auto deadline = FromMdsError(DeadlineExceededError("slow"), "stat", "a:1,b:2");
  EXPECT_EQ(deadline.code(), StatusCode::kUnavailable);
  EXPECT_EQ(deadline.message(), "MDS unreachable at a:1,b:2: stat: slow");
  auto denied = FromMdsError(PermissionDeniedError("not yours"), "delete", "a:1");
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), "delete: not yours");
}

TEST_F(ControllerTest, DeleteIsIdempotent) {
  ASSERT_TRUE(Create("pvc-1", 0).ok());
  v1::DeleteVolumeRequest request;
  request.set_volume_id("0001-03-k8s-pvc-1");
  v1::DeleteVolumeResponse response;
  EXPECT_TRUE(controller_.DeleteVolume(nullptr, &request, &response).ok());
  EXPECT_TRUE(controller_.DeleteVolume(nullptr, &request, &response).ok());
  request.set_volume_id("garbage");
  EXPECT_TRUE(controller_.DeleteVolume(nullptr, &request, &response).ok());
  request.set_volume_id("");
  EXPECT_EQ(controller_.DeleteVolume(nullptr, &request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ControllerTest, ListVolumesPaginatesAndSurvivesDeletionOfTheLastEntry) {
  for (const char* name : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(Create(name, 0).ok());
  v1::ListVolumesRequest request;
  request.set_max_entries(2);
  v1::ListVolumesResponse page;
  ASSERT_TRUE(controller_.ListVolumes(nullptr, &request, &page).ok());
  ASSERT_EQ(page.entries_size(), 2);
  ASSERT_FALSE(page.next_token().empty());
  backend_.volumes.erase("b");  // the last entry of the page disappears
  request.set_starting_token(page.next_token());
  v1::ListVolumesResponse next;
  ASSERT_TRUE(controller_.ListVolumes(nullptr, &request, &next).ok());
  ASSERT_EQ(next.entries_size(), 2);
  EXPECT_EQ(next.entries(0).volume().volume_id(), "0001-03-k8s-c");
  request.set_starting_token("bogus");
  EXPECT_EQ(controller_.ListVolumes(nullptr, &request, &next).error_code(),
            grpc::StatusCode::ABORTED);
}

TEST_F(ControllerTest, CapacityPerPoolsetAndExpansion) {
  v1::GetCapacityRequest request;
  v1::GetCapacityResponse response;
  ASSERT_TRUE(controller_.GetCapacity(nullptr, &request, &response).ok());
  EXPECT_EQ(response.available_capacity(), 70ll << 30);
  (*request.mutable_parameters())["poolset"] = "ssd";
  ASSERT_TRUE(controller_.GetCapacity(nullptr, &request, &response).ok());
  EXPECT_EQ(response.available_capacity(), 50ll << 30);
  (*request.mutable_parameters())["poolset"] = "nvme";
  EXPECT_EQ(controller_.GetCapacity(nullptr, &request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  ASSERT_TRUE(Create("pvc-1", 0).ok());
  v1::ControllerExpandVolumeRequest expand;
  expand.set_volume_id("0001-03-k8s-pvc-1");
  expand.mutable_capacity_range()->set_required_bytes(15 * kGiB - 5);
  v1::ControllerExpandVolumeResponse expanded;
  ASSERT_TRUE(controller_.ControllerExpandVolume(nullptr, &expand, &expanded).ok());
  EXPECT_EQ(expanded.capacity_bytes(), 15 * kGiB);
  EXPECT_TRUE(expanded.node_expansion_required());
  expand.set_volume_id("0001-03-k8s-missing");
  EXPECT_EQ(controller_.ControllerExpandVolume(nullptr, &expand, &expanded).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ControllerTest, ProbeReportsAnUnreachableMds) {
  IdentityServer identity(IdentityOptions{}, [this] { return backend_.Ping(); });
  v1::ProbeRequest request;
  v1::ProbeResponse response;
  ASSERT_TRUE(identity.Probe(nullptr, &request, &response).ok());
  EXPECT_TRUE(response.ready().value());
  backend_.fail_with = UnavailableError("MDS unreachable at 127.0.0.1:1: probe: refused");
  auto status = identity.Probe(nullptr, &request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("MDS unreachable at 127.0.0.1:1"), std::string::npos);
  v1::GetPluginInfoRequest info_request;
  v1::GetPluginInfoResponse info;
  ASSERT_TRUE(identity.GetPluginInfo(nullptr, &info_request, &info).ok());
  EXPECT_EQ(info.name(), "curve.csi.netease.com");
}

}  // namespace
}  // namespace curve::csi
