#pragma once

#include <string>

#include "csi/driver/volume_backend.h"
#include "csi/util/capacity.h"
#include "csi/util/operation_locks.h"
#include "proto/csi/csi.grpc.pb.h"

namespace curve::csi {

struct ControllerOptions {
  SizeBounds bounds;  // what the MDS accepts (namespace.minVolumeSize/maxVolumeSize)
};

// The CSI Controller service on a VolumeBackend (the MDS). Handlers validate first, take the
// per-name (CreateVolume) or per-volume lock (ABORTED when held), are idempotent, and map
// errors to gRPC codes only in FinishCall. The backend must outlive the server. Thread-safe.
class ControllerServer final : public ::csi::v1::Controller::Service {
 public:
  ControllerServer(VolumeBackend& backend, ControllerOptions options);

  grpc::Status CreateVolume(grpc::ServerContext* context,
                            const ::csi::v1::CreateVolumeRequest* request,
                            ::csi::v1::CreateVolumeResponse* response) override;
  grpc::Status DeleteVolume(grpc::ServerContext* context,
                            const ::csi::v1::DeleteVolumeRequest* request,
                            ::csi::v1::DeleteVolumeResponse* response) override;
  grpc::Status ValidateVolumeCapabilities(
      grpc::ServerContext* context, const ::csi::v1::ValidateVolumeCapabilitiesRequest* request,
      ::csi::v1::ValidateVolumeCapabilitiesResponse* response) override;
  grpc::Status ListVolumes(grpc::ServerContext* context,
                           const ::csi::v1::ListVolumesRequest* request,
                           ::csi::v1::ListVolumesResponse* response) override;
  grpc::Status GetCapacity(grpc::ServerContext* context,
                           const ::csi::v1::GetCapacityRequest* request,
                           ::csi::v1::GetCapacityResponse* response) override;
  grpc::Status ControllerGetCapabilities(
      grpc::ServerContext* context, const ::csi::v1::ControllerGetCapabilitiesRequest* request,
      ::csi::v1::ControllerGetCapabilitiesResponse* response) override;
  grpc::Status ControllerExpandVolume(grpc::ServerContext* context,
                                      const ::csi::v1::ControllerExpandVolumeRequest* request,
                                      ::csi::v1::ControllerExpandVolumeResponse* response) override;
  grpc::Status ControllerGetVolume(grpc::ServerContext* context,
                                   const ::csi::v1::ControllerGetVolumeRequest* request,
                                   ::csi::v1::ControllerGetVolumeResponse* response) override;

 private:
  Status DoCreateVolume(const ::csi::v1::CreateVolumeRequest& request,
                        ::csi::v1::CreateVolumeResponse* response);
  Status DoDeleteVolume(const ::csi::v1::DeleteVolumeRequest& request);
  Status DoValidate(const ::csi::v1::ValidateVolumeCapabilitiesRequest& request,
                    ::csi::v1::ValidateVolumeCapabilitiesResponse* response);
  Status DoListVolumes(const ::csi::v1::ListVolumesRequest& request,
                       ::csi::v1::ListVolumesResponse* response);
  Status DoGetCapacity(const ::csi::v1::GetCapacityRequest& request,
                       ::csi::v1::GetCapacityResponse* response);
  Status DoExpand(const ::csi::v1::ControllerExpandVolumeRequest& request,
                  ::csi::v1::ControllerExpandVolumeResponse* response);
  Status DoGetVolume(const ::csi::v1::ControllerGetVolumeRequest& request,
                     ::csi::v1::ControllerGetVolumeResponse* response);

  void FillVolume(const BackendVolume& volume, ::csi::v1::Volume* out) const;

  VolumeBackend& backend_;
  ControllerOptions options_;
  OperationLocks name_locks_;
  OperationLocks volume_locks_;
};

}  // namespace curve::csi
