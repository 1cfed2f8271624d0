#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "csi/node/attacher.h"
#include "csi/node/mounter.h"
#include "csi/node/stage_store.h"
#include "csi/util/operation_locks.h"
#include "proto/csi/csi.grpc.pb.h"

namespace curve::csi {

struct NodeOptions {
  std::string node_id;
  std::string zone;  // reported as topology key topology.curve.io/zone when set
  int64_t max_volumes = 0;
  std::string default_fs_type = "ext4";  // when the capability names none: ext4 or xfs
  // RestoreStaged retries volumes it could not restore (e.g. the MDS still holds a dead attach
  // daemon's session) this often, for this long.
  std::chrono::milliseconds restore_retry_interval{2000};
  std::chrono::milliseconds restore_retry_for{std::chrono::minutes(5)};
};

// The CSI Node service: attach (through the Attacher) and format/mount (through the Mounter) at
// NodeStage, bind mounts at NodePublish (SINGLE_NODE_SINGLE_WRITER: one publication at a time).
// Staged volumes are recorded in the StageStore so a restarted plugin re-attaches them
// (RestoreStaged) and unpublish/unstage work without memory of earlier calls. Per-volume locks
// answer ABORTED. Dependencies must outlive it. Thread-safe; restoration retries run on a thread
// of its own.
class NodeServer final : public ::csi::v1::Node::Service {
 public:
  NodeServer(NodeOptions options, Attacher& attacher, Mounter& mounter, StageStore& store);
  // Stops the background restoration.
  ~NodeServer() override;

  // Re-attaches every recorded volume (adopting a running attach daemon, attaching again when
  // it is gone) and re-mounts its staging mount when missing or on a device that no longer
  // serves the volume. Returns how many volumes were restored; failures are logged and do not
  // stop the others, and are retried in the background (restore_retry_interval) until restored,
  // unstaged, or restore_retry_for has passed. Call once.
  int RestoreStaged();

  grpc::Status NodeStageVolume(grpc::ServerContext* context,
                               const ::csi::v1::NodeStageVolumeRequest* request,
                               ::csi::v1::NodeStageVolumeResponse* response) override;
  grpc::Status NodeUnstageVolume(grpc::ServerContext* context,
                                 const ::csi::v1::NodeUnstageVolumeRequest* request,
                                 ::csi::v1::NodeUnstageVolumeResponse* response) override;
  grpc::Status NodePublishVolume(grpc::ServerContext* context,
                                 const ::csi::v1::NodePublishVolumeRequest* request,
                                 ::csi::v1::NodePublishVolumeResponse* response) override;
  grpc::Status NodeUnpublishVolume(grpc::ServerContext* context,
                                   const ::csi::v1::NodeUnpublishVolumeRequest* request,
                                   ::csi::v1::NodeUnpublishVolumeResponse* response) override;
  grpc::Status NodeGetVolumeStats(grpc::ServerContext* context,
                                  const ::csi::v1::NodeGetVolumeStatsRequest* request,
                                  ::csi::v1::NodeGetVolumeStatsResponse* response) override;
  grpc::Status NodeExpandVolume(grpc::ServerContext* context,
                                const ::csi::v1::NodeExpandVolumeRequest* request,
                                ::csi::v1::NodeExpandVolumeResponse* response) override;
  grpc::Status NodeGetCapabilities(grpc::ServerContext* context,
                                   const ::csi::v1::NodeGetCapabilitiesRequest* request,
                                   ::csi::v1::NodeGetCapabilitiesResponse* response) override;
  grpc::Status NodeGetInfo(grpc::ServerContext* context,
                           const ::csi::v1::NodeGetInfoRequest* request,
                           ::csi::v1::NodeGetInfoResponse* response) override;

 private:
  Status DoStage(const ::csi::v1::NodeStageVolumeRequest& request);
  Status DoUnstage(const ::csi::v1::NodeUnstageVolumeRequest& request);
  Status DoPublish(const ::csi::v1::NodePublishVolumeRequest& request);
  Status DoUnpublish(const ::csi::v1::NodeUnpublishVolumeRequest& request);
  Status DoStats(const ::csi::v1::NodeGetVolumeStatsRequest& request,
                 ::csi::v1::NodeGetVolumeStatsResponse* response);
  Status DoExpand(const ::csi::v1::NodeExpandVolumeRequest& request,
                  ::csi::v1::NodeExpandVolumeResponse* response);
  // Bind-mounts the staged volume (its staging mount, or its device for block access) at
  // `target`.
  Status BindTarget(const StagedVolume& staged, const std::string& target, bool read_only);
  // After a failed NodeStage: unmounts the staging path when mounted from `volume`'s device,
  // detaches the volume and removes its record, logging the outcome.
  void UndoStage(const StagedVolume& volume);
  // Formats when blank and mounts the staged device at its staging path.
  Status MountStaged(const StagedVolume& volume);
  // Attaches and mounts one recorded volume.
  Status Restore(StagedVolume volume);
  // Retries Restore for `volume_ids` until done, unstaged, out of time, or stopping_.
  void RetryRestore(std::vector<std::string> volume_ids);

  NodeOptions options_;
  Attacher& attacher_;
  Mounter& mounter_;
  StageStore& store_;
  OperationLocks locks_;
  std::mutex restore_mu_;
  std::condition_variable restore_cv_;
  bool stopping_ = false;  // guarded by restore_mu_
  std::thread restorer_;
};

}  // namespace curve::csi
