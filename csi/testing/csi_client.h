#pragma once

// A CSI client for the multi-process tests of curve-csi, and the steps they share.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "proto/csi/csi.grpc.pb.h"

namespace curve::csi::testing {

class CsiCluster;

// Stubs of the Controller and Node services on one channel of its own: channels to one target
// share subchannels by default, and after a plugin restart a new channel could meet the dead
// connection.
class CsiClient {
 public:
  explicit CsiClient(const std::string& endpoint);

  // Calls `method` with a 60 s deadline, waiting for the socket to be ready.
  template <typename Stub, typename Request, typename Response, typename Method>
  grpc::Status Call(Stub& stub, Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    context.set_wait_for_ready(true);
    return ((*stub).*method)(&context, request, response);
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<::csi::v1::Controller::Stub> controller_;
  std::unique_ptr<::csi::v1::Node::Stub> node_;
};

// The whole content of a file ("" when unreadable).
std::string ReadFile(const std::string& path);

// Whether something is mounted exactly at `path`.
bool IsMounted(const std::string& path);

// NodeGetVolumeStats' volume condition: its message, prefixed "ABNORMAL: " when abnormal, or
// "error: ..." when the call fails.
std::string StatsCondition(CsiClient& client, const std::string& id, const std::string& path);

// A mount capability (SINGLE_NODE_WRITER) with `fs_type`.
::csi::v1::VolumeCapability MountCapability(const std::string& fs_type);

// Creates a volume of `bytes` (0: the default) named `name` in the cluster's poolset; an empty
// volume after recording a failure.
::csi::v1::Volume CreateVolume(CsiClient& client, const CsiCluster& cluster,
                               const std::string& name,
                               const ::csi::v1::VolumeCapability& capability, int64_t bytes = 0);

// Stages `volume` at <dir>/<name>/staging (made here).
grpc::Status NodeStage(CsiClient& client, const CsiCluster& cluster, const std::string& name,
                       const ::csi::v1::Volume& volume,
                       const ::csi::v1::VolumeCapability& capability);

// Creates a volume of `bytes` (0: the default) named `name` in the cluster's poolset, stages it at
// <dir>/<name>/staging and publishes it at <dir>/<name>/target. Returns the volume id, or "" after
// recording a failure.
std::string CreateStagePublish(CsiClient& client, const CsiCluster& cluster,
                               const std::string& name,
                               const ::csi::v1::VolumeCapability& capability, int64_t bytes = 0);

// Unpublishes <dir>/<name>/target and unstages <dir>/<name>/staging; the first failure.
grpc::Status UnpublishUnstage(CsiClient& client, const CsiCluster& cluster, const std::string& name,
                              const std::string& id);

}  // namespace curve::csi::testing
