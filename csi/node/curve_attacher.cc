#include "csi/node/curve_attacher.h"

#include "common/logging.h"
#include "csi/util/volume_id.h"
#include "services/attach/attach_cgroup.h"
#include "services/attach/attach_state.h"
#include "services/attach/fuse_loop_attacher.h"
#include "services/client/curve_volume_backend.h"

namespace curve::csi {
namespace {

std::unique_ptr<attach::Attacher> MakeFuseLoopAttacher(const CurveAttacherOptions& options) {
  attach::FuseLoopAttacherOptions attach_options;
  attach_options.runtime_dir = options.runtime_dir;
  attach_options.attachd_path = options.attachd_path;
  attach_options.cgroups = options.cgroups;
  return std::make_unique<attach::FuseLoopAttacher>(attach_options);
}

}  // namespace

CurveAttacher::CurveAttacher(CurveAttacherOptions options)
    : CurveAttacher(options, MakeFuseLoopAttacher(options)) {}

CurveAttacher::CurveAttacher(CurveAttacherOptions options,
                             std::unique_ptr<attach::Attacher> attacher)
    : options_(std::move(options)), attacher_(std::move(attacher)) {}

std::string CurveAttacher::SpecOf(const AttachRequest& request) const {
  std::string dir = options_.volume_dir;
  if (dir.empty() || dir.back() != '/') dir += '/';
  client::CurveSpec spec{dir + request.file_name, request.user, options_.mds};
  return client::FormatCurveSpec(spec);
}

Result<std::string> CurveAttacher::Attach(const AttachRequest& request) {
  CURVE_ASSIGN_OR_RETURN(auto mapped, attacher_->Map(request.volume_id, SpecOf(request)));
  return mapped.device;
}

Status CurveAttacher::Detach(const std::string& volume_id) {
  Status status = attacher_->Unmap(volume_id);
  return status.code() == StatusCode::kNotFound ? Status::Ok() : status;
}

Result<std::map<std::string, std::string>> CurveAttacher::ListAttached() {
  CURVE_ASSIGN_OR_RETURN(auto mapped, attacher_->ListMapped());
  std::map<std::string, std::string> out;
  for (const auto& volume : mapped) {
    if (DecodeVolumeId(volume.volume).ok() && volume.backend.rfind("curve:", 0) == 0) {
      out[volume.volume] = volume.device;
    }
  }
  return out;
}

Result<int64_t> CurveAttacher::Refresh(const std::string& volume_id, int64_t size_bytes) {
  CURVE_ASSIGN_OR_RETURN(auto mapped, attacher_->Refresh(volume_id));
  auto size = static_cast<int64_t>(mapped.size);
  if (size < size_bytes) {
    return FailedPreconditionError("volume " + volume_id + " is " + std::to_string(size) +
                                   " bytes, less than the " + std::to_string(size_bytes) +
                                   " requested; expand it with ControllerExpandVolume first");
  }
  return size;
}

int CurveAttacher::AdoptDaemons() {
  if (options_.cgroups.empty()) return 0;
  auto logger = log::Get("csi");
  int moved = 0;
  for (const auto& state : attach::ListAttachStates(options_.runtime_dir)) {
    if (!attach::AttachDaemonAlive(state.pid)) continue;
    Status status = attach::JoinCgroups(state.pid, options_.cgroups);
    if (status.ok()) {
      ++moved;
    } else {
      logger->error("op=AdoptDaemons volume={} pid={} err=\"{}\"", state.volume, state.pid,
                    status.ToString());
    }
  }
  return moved;
}

Status CurveAttacher::Check(const std::string& volume_id) {
  CURVE_ASSIGN_OR_RETURN(auto mapped, attacher_->ListMapped());
  for (const auto& volume : mapped) {
    if (volume.volume != volume_id) continue;
    if (volume.alive) return Status::Ok();
    if (!attach::AttachDaemonAlive(volume.pid)) {
      return UnavailableError("attach daemon (pid " + std::to_string(volume.pid) + ") of " +
                              volume.device + " is dead; see " + volume.log_file);
    }
    return UnavailableError("loop device " + volume.device + " no longer serves the volume");
  }
  return NotFoundError("volume " + volume_id + " is not attached");
}

}  // namespace curve::csi
