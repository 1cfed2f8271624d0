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
  auto mounted = mounter_.FindMount(volume.staging_path);
  if (mounted.ok()) {
    if (mounted->source == volume.device) return Status::Ok();
    // Mounted from a device that no longer serves the volume: its attach daemon died and the
    // volume was attached again. Published bind mounts keep the dead device until republished.
    curve::log::Get("csi")->warn(
        "op=MountStaged volume={} staging={} old_device={} device={} msg=\"remounting from the "
        "new device; pods using the volume must be restarted\"",
        volume.volume_id, volume.staging_path, mounted->source, volume.device);
    CURVE_RETURN_IF_ERROR(mounter_.Unmount(volume.staging_path));
  }
  CURVE_ASSIGN_OR_RETURN(std::string format, mounter_.GetFormat(volume.device));
  std::string fs_type = volume.fs_type;
  bool grow = false;
  if (format.empty()) {
    CURVE_RETURN_IF_ERROR(mounter_.Format(volume.device, fs_type));
  } else {
    fs_type = format;  // an existing file system wins: never reformat user data
    // The volume may have been expanded while it was not staged.
    CURVE_ASSIGN_OR_RETURN(grow, mounter_.NeedsGrow(volume.device, fs_type));
  }
  // ext grows before it is mounted (online growth needs CAP_SYS_RESOURCE), xfs only mounted.
  bool grow_mounted = grow && fs_type == "xfs";
  if (grow && !grow_mounted) CURVE_RETURN_IF_ERROR(mounter_.ResizeFs(volume.device, "", fs_type));
  std::error_code ec;
  fs::create_directories(volume.staging_path, ec);
  if (ec) return InternalError("create " + volume.staging_path + ": " + ec.message());
  CURVE_RETURN_IF_ERROR(
      mounter_.Mount(volume.device, volume.staging_path, fs_type, volume.mount_flags));
  if (grow_mounted) {
    CURVE_RETURN_IF_ERROR(mounter_.ResizeFs(volume.device, volume.staging_path, fs_type));
  }
  if (grow) {
    curve::log::Get("csi")->info(
        "op=NodeStageVolume volume={} device={} msg=\"grew the {} file "
        "system to the expanded volume\"",
        volume.volume_id, volume.device, fs_type);
  }
  return Status::Ok();
}

NodeServer::~NodeServer() {
  {
    std::lock_guard<std::mutex> lock(restore_mu_);
    stopping_ = true;
  }
  restore_cv_.notify_all();
  if (restorer_.joinable()) restorer_.join();
}

Status NodeServer::Restore(StagedVolume volume) {
  AttachRequest attach{volume.volume_id, volume.user, volume.file_name, volume.size_bytes};
  CURVE_ASSIGN_OR_RETURN(std::string device, attacher_.Attach(attach));
  if (device != volume.device) {
    volume.device = device;
    CURVE_RETURN_IF_ERROR(store_.Save(volume));
  }
  CURVE_RETURN_IF_ERROR(MountStaged(volume));
  curve::log::Get("csi")->info("op=RestoreStaged volume={} device={}", volume.volume_id,
                               volume.device);
  return Status::Ok();
}

int NodeServer::RestoreStaged() {
  auto logger = curve::log::Get("csi");
  std::vector<std::string> errors;
  std::vector<std::string> failed;
  int restored = 0;
  for (StagedVolume volume : store_.LoadAll(&errors)) {
    auto guard = locks_.TryAcquire(volume.volume_id, "volume");
    Status status = guard.ok() ? Restore(volume) : guard.status();
    if (status.ok()) {
      ++restored;
    } else {
      logger->error("op=RestoreStaged volume={} err=\"{}\" msg=\"retrying\"", volume.volume_id,
                    status.ToString());
      failed.push_back(volume.volume_id);
    }
  }
  for (const auto& error : errors) logger->error("op=RestoreStaged err=\"{}\"", error);
  if (!failed.empty()) restorer_ = std::thread([this, failed] { RetryRestore(failed); });
  return restored;
}

void NodeServer::RetryRestore(std::vector<std::string> volume_ids) {
  auto logger = curve::log::Get("csi");
  auto deadline = Clock::now() + options_.restore_retry_for;
  while (!volume_ids.empty()) {
    {
      std::unique_lock<std::mutex> lock(restore_mu_);
      restore_cv_.wait_for(lock, options_.restore_retry_interval, [&] { return stopping_; });
      if (stopping_) return;
    }
    bool last = Clock::now() >= deadline;
    std::vector<std::string> still;
    for (const auto& id : volume_ids) {
      auto guard = locks_.TryAcquire(id, "volume");
      if (!guard.ok()) {  // a CSI call on it is running; look again next round
        still.push_back(id);
        continue;
      }
      auto volume = store_.Load(id);
      if (!volume.ok()) continue;  // unstaged meanwhile
      Status status = Restore(*volume);
      if (status.ok()) continue;
      still.push_back(id);
      if (last) {
        logger->error("op=RestoreStaged volume={} err=\"{}\" msg=\"giving up\"", id,
                      status.ToString());
      }
    }
    if (last) return;
    volume_ids = std::move(still);
  }
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
  if (existing.ok()) {  // a repeated stage keeps the publications
    volume.targets = existing->targets;
    volume.single_writer = existing->single_writer;
  }
  auto size = request.volume_context().find("sizeBytes");
  if (size != request.volume_context().end()) {
    volume.size_bytes = std::strtoll(size->second.c_str(), nullptr, 10);
  }
  // A volume an earlier NodeStage finished staging (and maybe published) stays as it is when
  // this one fails; anything else this call attaches is undone on failure.
  bool staged_before = existing.ok() && (existing->block || !existing->targets.empty() ||
                                         mounter_.FindMount(existing->staging_path).ok());
  CURVE_ASSIGN_OR_RETURN(volume.device, attacher_.Attach({volume.volume_id, volume.user,
                                                          volume.file_name, volume.size_bytes}));
  // Recorded before mounting: a crash from here on leaves a record that restart or unstage
  // cleans up.
  Status status = store_.Save(volume);
  if (status.ok()) status = MountStaged(volume);
  if (!status.ok() && !staged_before) UndoStage(volume);
  return status;
}

void NodeServer::UndoStage(const StagedVolume& volume) {
  Status undone = Status::Ok();
  auto mounted = mounter_.FindMount(volume.staging_path);
  if (mounted.ok() && mounted->source == volume.device) {
    undone = mounter_.Unmount(volume.staging_path);
  }
  if (undone.ok()) undone = attacher_.Detach(volume.volume_id);
  // The record stays while the volume may still be attached, so NodeUnstageVolume or a restart
  // finds it.
  if (undone.ok()) undone = store_.Remove(volume.volume_id);
  auto logger = curve::log::Get("csi");
  if (undone.ok()) {
    logger->info("op=NodeStageVolume volume={} device={} msg=\"stage failed; volume detached\"",
                 volume.volume_id, volume.device);
  } else {
    logger->error(
        "op=NodeStageVolume volume={} device={} err=\"{}\" msg=\"stage failed and could not be "
        "undone; NodeUnstageVolume cleans up\"",
        volume.volume_id, volume.device, undone.ToString());
  }
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
  bool single_writer = request.volume_capability().access_mode().mode() ==
                       v1::VolumeCapability::AccessMode::SINGLE_NODE_SINGLE_WRITER;
  if (single_writer || staged->single_writer) {
    for (const auto& other : staged->targets) {
      if (other == target || !mounter_.FindMount(other).ok()) continue;
      return FailedPreconditionError("volume " + request.volume_id() + " is already published at " +
                                     other +
                                     "; access mode SINGLE_NODE_SINGLE_WRITER allows one "
                                     "publication at a time");
    }
  }
  CURVE_RETURN_IF_ERROR(BindTarget(*staged, target, request.readonly()));
  std::erase(staged->targets, target);
  staged->targets.push_back(target);
  staged->single_writer = single_writer;
  return store_.Save(*staged);
}

Status NodeServer::BindTarget(const StagedVolume& staged, const std::string& target,
                              bool read_only) {
  std::error_code ec;
  if (staged.block) {
    // The target of a block volume is a file; a directory left by the CO is replaced.
    if (fs::is_directory(target, ec) && fs::is_empty(target, ec)) fs::remove(target, ec);
    fs::create_directories(fs::path(target).parent_path(), ec);
    if (!Exists(target)) {
      int fd = open(target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
      if (fd < 0) return InternalError("create " + target + ": " + std::strerror(errno));
      close(fd);
    }
    return mounter_.BindMount(staged.device, target, read_only);
  }
  if (!mounter_.FindMount(staged.staging_path).ok()) {
    return FailedPreconditionError("staging path " + staged.staging_path + " of volume " +
                                   staged.volume_id + " is not mounted");
  }
  fs::create_directories(target, ec);
  if (ec) return InternalError("create " + target + ": " + ec.message());
  return mounter_.BindMount(staged.staging_path, target, read_only);
}

Status NodeServer::DoUnpublish(const v1::NodeUnpublishVolumeRequest& request) {
  CURVE_RETURN_IF_ERROR(Require(request.volume_id(), "volume_id"));
  CURVE_RETURN_IF_ERROR(Require(request.target_path(), "target_path"));
  CURVE_ASSIGN_OR_RETURN(auto guard, locks_.TryAcquire(request.volume_id(), "volume"));
  CURVE_RETURN_IF_ERROR(mounter_.Unmount(request.target_path()));
  std::error_code ec;
  fs::remove(request.target_path(), ec);  // the file or empty directory we made; gone is fine
  auto staged = store_.Load(request.volume_id());
  if (!staged.ok() || std::erase(staged->targets, request.target_path()) == 0) {
    return Status::Ok();  // unpublish does not depend on the records
  }
  if (staged->targets.empty()) staged->single_writer = false;
  return store_.Save(*staged);
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
  auto mount = mounter_.FindMount(path);
  bool mounted = mount.ok();
  // A file system mounted from an older device of the volume (its attach daemon died since).
  bool stale = mounted && !staged.block && mount->source != staged.device;
  bool device_ok = Exists(staged.device);
  Status attached = attacher_.Check(request.volume_id());
  condition->set_abnormal(!mounted || stale || !device_ok || !attached.ok());
  condition->set_message(!device_ok       ? "device " + staged.device + " is gone"
                         : !attached.ok() ? attached.message()
                         : !mounted       ? path + " is not mounted"
                         : stale          ? path + " is mounted from " + mount->source +
                                       ", which no longer serves the volume (now " + staged.device +
                                       "); restart its users"
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
                    Rpc::VOLUME_CONDITION, Rpc::SINGLE_NODE_MULTI_WRITER}) {
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
