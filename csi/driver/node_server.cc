#include "csi/driver/node_server.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "common/logging.h"
#include "csi/driver/capabilities.h"
#include "csi/driver/rpc_boundary.h"
#include "csi/util/volume_id.h"

namespace curve::csi {
namespace {

namespace v1 = ::csi::v1;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

Status Require(const std::string& value, std::string_view field) {
  if (value.empty()) return InvalidArgumentError(std::string(field) + " must not be empty");
  return Status::Ok();
}

bool Exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

}  // namespace

NodeServer::NodeServer(NodeOptions options, Attacher& attacher, Mounter& mounter, StageStore& store)
    : options_(std::move(options)), attacher_(attacher), mounter_(mounter), store_(store) {}

Status NodeServer::MountStaged(const StagedVolume& volume) {
  if (volume.block) return Status::Ok();
  if (mounter_.FindMount(volume.staging_path).ok()) return Status::Ok();
  CURVE_ASSIGN_OR_RETURN(std::string format, mounter_.GetFormat(volume.device));
  std::string fs_type = volume.fs_type;
  if (format.empty()) {
    CURVE_RETURN_IF_ERROR(mounter_.Format(volume.device, fs_type));
  } else {
    fs_type = format;  // an existing file system wins: never reformat user data
  }
  std::error_code ec;
  fs::create_directories(volume.staging_path, ec);
  if (ec) return InternalError("create " + volume.staging_path + ": " + ec.message());
  return mounter_.Mount(volume.device, volume.staging_path, fs_type, volume.mount_flags);
}

int NodeServer::RestoreStaged() {
  auto logger = curve::log::Get("csi");
  std::vector<std::string> errors;
  int restored = 0;
  for (StagedVolume volume : store_.LoadAll(&errors)) {
    AttachRequest attach{volume.volume_id, volume.user, volume.file_name, volume.size_bytes};
    auto device = attacher_.Attach(attach);
    Status status = device.status();
    if (status.ok()) {
      if (*device != volume.device) {
        volume.device = *device;
        status = store_.Save(volume);
      }
      if (status.ok()) status = MountStaged(volume);
    }
    if (status.ok()) {
      ++restored;
      logger->info("op=RestoreStaged volume={} device={}", volume.volume_id, volume.device);
    } else {
      logger->error("op=RestoreStaged volume={} err=\"{}\"", volume.volume_id, status.ToString());
    }
  }
  for (const auto& error : errors) logger->error("op=RestoreStaged err=\"{}\"", error);
  return restored;
}

Status NodeServer::DoStage(const v1::NodeStageVolumeRequest& request) {
  CURVE_RETURN_IF_ERROR(Require(request.volume_id(), "volume_id"));
  CURVE_RETURN_IF_ERROR(Require(request.staging_target_path(), "staging_target_path"));
  if (!request.has_volume_capability()) {
    return InvalidArgumentError("volume_capability is required");
  }
  CURVE_RETURN_IF_ERROR(CheckVolumeCapability(request.volume_capability()));
  auto id = DecodeVolumeId(request.volume_id());
  if (!id.ok()) return NotFoundError("volume " + request.volume_id() + " does not exist");
  CURVE_ASSIGN_OR_RETURN(auto guard, locks_.TryAcquire(request.volume_id(), "volume"));

  const auto& capability = request.volume_capability();
  auto existing = store_.Load(request.volume_id());
  if (existing.ok() && existing->staging_path != request.staging_target_path()) {
    return AlreadyExistsError("volume " + request.volume_id() + " is already staged at " +
                              existing->staging_path);
  }
  StagedVolume volume;
  volume.volume_id = request.volume_id();
  volume.staging_path = request.staging_target_path();
  volume.block = capability.has_block();
  if (!volume.block) {
    volume.fs_type = capability.mount().fs_type().empty() ? options_.default_fs_type
                                                          : capability.mount().fs_type();
    volume.mount_flags.assign(capability.mount().mount_flags().begin(),
                              capability.mount().mount_flags().end());
  }
  volume.user = id->user;
  volume.file_name = id->file_name;
  auto size = request.volume_context().find("sizeBytes");
  if (size != request.volume_context().end()) {
    volume.size_bytes = std::strtoll(size->second.c_str(), nullptr, 10);
  }
  CURVE_ASSIGN_OR_RETURN(volume.device, attacher_.Attach({volume.volume_id, volume.user,
                                                          volume.file_name, volume.size_bytes}));
  // Recorded before mounting: a crash from here on leaves a record that restart or unstage
  // cleans up.
  CURVE_RETURN_IF_ERROR(store_.Save(volume));
  return MountStaged(volume);
}

Status NodeServer::DoUnstage(const v1::NodeUnstageVolumeRequest& request) {
  CURVE_RETURN_IF_ERROR(Require(request.volume_id(), "volume_id"));
  CURVE_RETURN_IF_ERROR(Require(request.staging_target_path(), "staging_target_path"));
  CURVE_ASSIGN_OR_RETURN(auto guard, locks_.TryAcquire(request.volume_id(), "volume"));
  CURVE_RETURN_IF_ERROR(mounter_.Unmount(request.staging_target_path()));
  CURVE_RETURN_IF_ERROR(attacher_.Detach(request.volume_id()));
  return store_.Remove(request.volume_id());
}

Status NodeServer::DoPublish(const v1::NodePublishVolumeRequest& request) {
  CURVE_RETURN_IF_ERROR(Require(request.volume_id(), "volume_id"));
  CURVE_RETURN_IF_ERROR(Require(request.staging_target_path(), "staging_target_path"));
  CURVE_RETURN_IF_ERROR(Require(request.target_path(), "target_path"));
  if (!request.has_volume_capability()) {
    return InvalidArgumentError("volume_capability is required");
  }
  CURVE_RETURN_IF_ERROR(CheckVolumeCapability(request.volume_capability()));
  CURVE_ASSIGN_OR_RETURN(auto guard, locks_.TryAcquire(request.volume_id(), "volume"));
  auto staged = store_.Load(request.volume_id());
  if (!staged.ok()) {
    if (staged.status().code() == StatusCode::kNotFound) {
      return FailedPreconditionError("volume " + request.volume_id() +
                                     " is not staged: call NodeStageVolume first");
    }
    return staged.status();
  }
  if (staged->block != request.volume_capability().has_block()) {
    return InvalidArgumentError("volume " + request.volume_id() + " was staged for " +
                                (staged->block ? "block" : "mount") + " access");
  }
  const std::string& target = request.target_path();
  if (mounter_.FindMount(target).ok()) return Status::Ok();  // already published
  std::error_code ec;
  if (staged->block) {
    // The target of a block volume is a file; a directory left by the CO is replaced.
    if (fs::is_directory(target, ec) && fs::is_empty(target, ec)) fs::remove(target, ec);
    fs::create_directories(fs::path(target).parent_path(), ec);
    if (!Exists(target)) {
      int fd = open(target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
      if (fd < 0) return InternalError("create " + target + ": " + std::strerror(errno));
      close(fd);
    }
    return mounter_.BindMount(staged->device, target, request.readonly());
  }
  if (!mounter_.FindMount(staged->staging_path).ok()) {
    return FailedPreconditionError("staging path " + staged->staging_path + " of volume " +
                                   request.volume_id() + " is not mounted");
  }
  fs::create_directories(target, ec);
  if (ec) return InternalError("create " + target + ": " + ec.message());
  return mounter_.BindMount(staged->staging_path, target, request.readonly());
}

Status NodeServer::DoUnpublish(const v1::NodeUnpublishVolumeRequest& request) {
  CURVE_RETURN_IF_ERROR(Require(request.volume_id(), "volume_id"));
  CURVE_RETURN_IF_ERROR(Require(request.target_path(), "target_path"));
  CURVE_ASSIGN_OR_RETURN(auto guard, locks_.TryAcquire(request.volume_id(), "volume"));
  CURVE_RETURN_IF_ERROR(mounter_.Unmount(request.target_path()));
  std::error_code ec;
  fs::remove(request.target_path(), ec);  // the file or empty directory we made; gone is fine
  return Status::Ok();
}

Status NodeServer::DoStats(const v1::NodeGetVolumeStatsRequest& request,
                           v1::NodeGetVolumeStatsResponse* response) {
  CURVE_RETURN_IF_ERROR(Require(request.volume_id(), "volume_id"));
  CURVE_RETURN_IF_ERROR(Require(request.volume_path(), "volume_path"));
  CURVE_ASSIGN_OR_RETURN(auto staged, store_.Load(request.volume_id()));
  const std::string& path = request.volume_path();
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return NotFoundError("volume path " + path + " does not exist");
  }
  auto* condition = response->mutable_volume_condition();
  bool mounted = mounter_.FindMount(path).ok();
  bool device_ok = Exists(staged.device);
  Status attached = attacher_.Check(request.volume_id());
  condition->set_abnormal(!mounted || !device_ok || !attached.ok());
  condition->set_message(!device_ok       ? "device " + staged.device + " is gone"
                         : !attached.ok() ? attached.message()
                         : !mounted       ? path + " is not mounted"
                                          : "volume is attached and mounted");
  if (S_ISBLK(st.st_mode) || staged.block) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    uint64_t bytes = 0;
    if (fd >= 0) {
      if (ioctl(fd, BLKGETSIZE64, &bytes) != 0) bytes = 0;
      close(fd);
    }
    auto* usage = response->add_usage();
    usage->set_unit(v1::VolumeUsage::BYTES);
    usage->set_total(static_cast<int64_t>(bytes));
    return Status::Ok();
  }
  struct statvfs vfs {};
  if (statvfs(path.c_str(), &vfs) != 0) {
    return InternalError("statvfs " + path + ": " + std::strerror(errno));
  }
  auto* bytes = response->add_usage();
  bytes->set_unit(v1::VolumeUsage::BYTES);
  bytes->set_total(static_cast<int64_t>(vfs.f_blocks * vfs.f_frsize));
  bytes->set_available(static_cast<int64_t>(vfs.f_bavail * vfs.f_frsize));
  bytes->set_used(static_cast<int64_t>((vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize));
  auto* inodes = response->add_usage();
  inodes->set_unit(v1::VolumeUsage::INODES);
  inodes->set_total(static_cast<int64_t>(vfs.f_files));
  inodes->set_available(static_cast<int64_t>(vfs.f_favail));
  inodes->set_used(static_cast<int64_t>(vfs.f_files - vfs.f_ffree));
  return Status::Ok();
}

Status NodeServer::DoExpand(const v1::NodeExpandVolumeRequest& request,
                            v1::NodeExpandVolumeResponse* response) {
  CURVE_RETURN_IF_ERROR(Require(request.volume_id(), "volume_id"));
  CURVE_RETURN_IF_ERROR(Require(request.volume_path(), "volume_path"));
  if (request.has_volume_capability()) {
    CURVE_RETURN_IF_ERROR(CheckVolumeCapability(request.volume_capability()));
  }
  CURVE_ASSIGN_OR_RETURN(auto guard, locks_.TryAcquire(request.volume_id(), "volume"));
  CURVE_ASSIGN_OR_RETURN(auto staged, store_.Load(request.volume_id()));
  if (!Exists(request.volume_path())) {
    return NotFoundError("volume path " + request.volume_path() + " does not exist");
  }
  CURVE_ASSIGN_OR_RETURN(
      int64_t size,
      attacher_.Refresh(request.volume_id(), request.capacity_range().required_bytes()));
  if (!staged.block) {
    CURVE_ASSIGN_OR_RETURN(auto mount, mounter_.FindMount(staged.staging_path));
    CURVE_RETURN_IF_ERROR(mounter_.ResizeFs(staged.device, staged.staging_path, mount.fs_type));
  }
  response->set_capacity_bytes(size);
  return Status::Ok();
}

grpc::Status NodeServer::NodeStageVolume(grpc::ServerContext*,
                                         const v1::NodeStageVolumeRequest* request,
                                         v1::NodeStageVolumeResponse*) {
  auto started = Clock::now();
  return FinishCall("NodeStageVolume", *request, DoStage(*request), started);
}

grpc::Status NodeServer::NodeUnstageVolume(grpc::ServerContext*,
                                           const v1::NodeUnstageVolumeRequest* request,
                                           v1::NodeUnstageVolumeResponse*) {
  auto started = Clock::now();
  return FinishCall("NodeUnstageVolume", *request, DoUnstage(*request), started);
}

grpc::Status NodeServer::NodePublishVolume(grpc::ServerContext*,
                                           const v1::NodePublishVolumeRequest* request,
                                           v1::NodePublishVolumeResponse*) {
  auto started = Clock::now();
  return FinishCall("NodePublishVolume", *request, DoPublish(*request), started);
}

grpc::Status NodeServer::NodeUnpublishVolume(grpc::ServerContext*,
                                             const v1::NodeUnpublishVolumeRequest* request,
                                             v1::NodeUnpublishVolumeResponse*) {
  auto started = Clock::now();
  return FinishCall("NodeUnpublishVolume", *request, DoUnpublish(*request), started);
}

grpc::Status NodeServer::NodeGetVolumeStats(grpc::ServerContext*,
                                            const v1::NodeGetVolumeStatsRequest* request,
                                            v1::NodeGetVolumeStatsResponse* response) {
  auto started = Clock::now();
  return FinishCall("NodeGetVolumeStats", *request, DoStats(*request, response), started);
}

grpc::Status NodeServer::NodeExpandVolume(grpc::ServerContext*,
                                          const v1::NodeExpandVolumeRequest* request,
                                          v1::NodeExpandVolumeResponse* response) {
  auto started = Clock::now();
  return FinishCall("NodeExpandVolume", *request, DoExpand(*request, response), started);
}

grpc::Status NodeServer::NodeGetCapabilities(grpc::ServerContext*,
                                             const v1::NodeGetCapabilitiesRequest* request,
                                             v1::NodeGetCapabilitiesResponse* response) {
  using Rpc = v1::NodeServiceCapability::RPC;
  for (auto type : {Rpc::STAGE_UNSTAGE_VOLUME, Rpc::GET_VOLUME_STATS, Rpc::EXPAND_VOLUME,
                    Rpc::VOLUME_CONDITION}) {
    response->add_capabilities()->mutable_rpc()->set_type(type);
  }
  return FinishCall("NodeGetCapabilities", *request, Status::Ok(), Clock::now());
}

grpc::Status NodeServer::NodeGetInfo(grpc::ServerContext*, const v1::NodeGetInfoRequest* request,
                                     v1::NodeGetInfoResponse* response) {
  response->set_node_id(options_.node_id);
  response->set_max_volumes_per_node(options_.max_volumes);
  if (!options_.zone.empty()) {
    (*response->mutable_accessible_topology()->mutable_segments())["topology.curve.io/zone"] =
        options_.zone;
  }
  return FinishCall("NodeGetInfo", *request, Status::Ok(), Clock::now());
}

}  // namespace curve::csi
