#include "csi/driver/controller_server.h"

#include <map>

#include "csi/driver/capabilities.h"
#include "csi/driver/rpc_boundary.h"
#include "csi/util/parameters.h"
#include "csi/util/volume_id.h"

namespace curve::csi {
namespace {

using Clock = std::chrono::steady_clock;
namespace v1 = ::csi::v1;

std::map<std::string, std::string> ToMap(const google::protobuf::Map<std::string, std::string>& m) {
  return std::map<std::string, std::string>(m.begin(), m.end());
}

// Page tokens: "p1-" + hex of the last file name returned; the next page starts after it, so
// deleting that volume between pages does not invalidate the token.
std::string EncodeToken(const std::string& last) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "p1-";
  for (unsigned char c : last) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Result<std::string> DecodeToken(const std::string& token) {
  auto bad = AbortedError("starting_token '" + token + "' is not a token this driver issued");
  if (token.rfind("p1-", 0) != 0 || token.size() % 2 != 1 || token.size() == 3) return bad;
  std::string out;
  for (size_t i = 3; i < token.size(); i += 2) {
    int value = 0;
    for (size_t j = i; j < i + 2; ++j) {
      char c = token[j];
      int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (digit < 0) return bad;
      value = value * 16 + digit;
    }
    out += static_cast<char>(value);
  }
  return out;
}

Status CheckCapabilities(const google::protobuf::RepeatedPtrField<v1::VolumeCapability>& caps) {
  if (caps.empty()) return InvalidArgumentError("volume_capabilities must not be empty");
  for (const auto& capability : caps) CURVE_RETURN_IF_ERROR(CheckVolumeCapability(capability));
  return Status::Ok();
}

// A malformed id names no volume this driver made.
Result<VolumeId> ParseId(const std::string& id) {
  if (id.empty()) return InvalidArgumentError("volume_id must not be empty");
  auto parsed = DecodeVolumeId(id);
  if (!parsed.ok()) return NotFoundError("volume " + id + " does not exist (malformed id)");
  return parsed;
}

}  // namespace

ControllerServer::ControllerServer(VolumeBackend& backend, ControllerOptions options)
    : backend_(backend), options_(options) {}

void ControllerServer::FillVolume(const BackendVolume& volume, v1::Volume* out) const {
  out->set_volume_id(EncodeVolumeId({volume.user, volume.file_name}));
  out->set_capacity_bytes(volume.size_bytes);
  auto& context = *out->mutable_volume_context();
  context["user"] = volume.user;
  context["fileName"] = volume.file_name;
  context["poolset"] = volume.poolset.empty() ? "default" : volume.poolset;
  context["sizeBytes"] = std::to_string(volume.size_bytes);
}

Status ControllerServer::DoCreateVolume(const v1::CreateVolumeRequest& request,
                                        v1::CreateVolumeResponse* response) {
  if (request.name().empty()) return InvalidArgumentError("name must not be empty");
  CURVE_RETURN_IF_ERROR(CheckCapabilities(request.volume_capabilities()));
  if (request.has_volume_content_source()) {
    return InvalidArgumentError(
        "volume_content_source: snapshots and clones are not supported "
        "by this driver version");
  }
  CURVE_ASSIGN_OR_RETURN(auto params, ParseVolumeParameters(ToMap(request.parameters())));
  CURVE_ASSIGN_OR_RETURN(auto file_name, FileNameForVolumeName(request.name()));
  int64_t required = request.capacity_range().required_bytes();
  int64_t limit = request.capacity_range().limit_bytes();
  CURVE_ASSIGN_OR_RETURN(int64_t size, ChooseVolumeSize(required, limit, options_.bounds));
  CURVE_ASSIGN_OR_RETURN(auto guard, name_locks_.TryAcquire(request.name(), "volume name"));

  auto created = backend_.Create(params.user, file_name, size, params.poolset);
  if (created.ok()) {
    FillVolume(*created, response->mutable_volume());
    return Status::Ok();
  }
  if (created.status().code() == StatusCode::kNotFound &&
      created.status().message().find("poolset") != std::string::npos) {
    return InvalidArgumentError("parameter poolset: " + created.status().message());
  }
  if (created.status().code() != StatusCode::kAlreadyExists) return created.status();
  // The name exists: the same request again (idempotent) or an incompatible one.
  auto existing = backend_.Stat(params.user, file_name);
  if (!existing.ok()) {
    if (existing.status().code() == StatusCode::kPermissionDenied) {
      return AlreadyExistsError("volume " + request.name() + " exists, owned by another user");
    }
    return existing.status();
  }
  std::string want_poolset = params.poolset.empty() ? "default" : params.poolset;
  std::string have_poolset = existing->poolset.empty() ? "default" : existing->poolset;
  if (existing->user != params.user) {
    return AlreadyExistsError("volume " + request.name() + " exists with user " + existing->user +
                              ", requested " + params.user);
  }
  if (have_poolset != want_poolset) {
    return AlreadyExistsError("volume " + request.name() + " exists in poolset " + have_poolset +
                              ", requested " + want_poolset);
  }
  if (!SizeSatisfies(existing->size_bytes, required, limit)) {
    return AlreadyExistsError("volume " + request.name() + " exists with size " +
                              std::to_string(existing->size_bytes) +
                              " bytes, outside the requested range [" + std::to_string(required) +
                              ", " + (limit ? std::to_string(limit) : "unbounded") + "]");
  }
  FillVolume(*existing, response->mutable_volume());
  return Status::Ok();
}

Status ControllerServer::DoDeleteVolume(const v1::DeleteVolumeRequest& request) {
  if (request.volume_id().empty()) return InvalidArgumentError("volume_id must not be empty");
  auto id = DecodeVolumeId(request.volume_id());
  if (!id.ok()) return Status::Ok();  // never created by this driver: nothing to delete
  CURVE_ASSIGN_OR_RETURN(auto guard, volume_locks_.TryAcquire(request.volume_id(), "volume"));
  Status status = backend_.Delete(id->user, id->file_name);
  if (status.code() == StatusCode::kNotFound) return Status::Ok();
  return status;
}

Status ControllerServer::DoValidate(const v1::ValidateVolumeCapabilitiesRequest& request,
                                    v1::ValidateVolumeCapabilitiesResponse* response) {
  if (request.volume_id().empty()) return InvalidArgumentError("volume_id must not be empty");
  if (request.volume_capabilities().empty()) {
    return InvalidArgumentError("volume_capabilities must not be empty");
  }
  CURVE_ASSIGN_OR_RETURN(auto id, ParseId(request.volume_id()));
  CURVE_RETURN_IF_ERROR(backend_.Stat(id.user, id.file_name).status());
  if (!request.parameters().empty()) {
    CURVE_RETURN_IF_ERROR(ParseVolumeParameters(ToMap(request.parameters())).status());
  }
  for (const auto& capability : request.volume_capabilities()) {
    Status supported = CheckVolumeCapability(capability);
    if (!supported.ok()) {
      response->set_message(supported.message());
      return Status::Ok();
    }
  }
  auto* confirmed = response->mutable_confirmed();
  *confirmed->mutable_volume_capabilities() = request.volume_capabilities();
  *confirmed->mutable_volume_context() = request.volume_context();
  *confirmed->mutable_parameters() = request.parameters();
  return Status::Ok();
}

Status ControllerServer::DoListVolumes(const v1::ListVolumesRequest& request,
                                       v1::ListVolumesResponse* response) {
  if (request.max_entries() < 0) return InvalidArgumentError("max_entries must not be negative");
  std::string after;
  if (!request.starting_token().empty()) {
    CURVE_ASSIGN_OR_RETURN(after, DecodeToken(request.starting_token()));
  }
  CURVE_ASSIGN_OR_RETURN(auto volumes, backend_.List());
  int returned = 0;
  for (size_t i = 0; i < volumes.size(); ++i) {
    if (!after.empty() && volumes[i].file_name <= after) continue;
    if (request.max_entries() > 0 && returned == request.max_entries()) {
      response->set_next_token(EncodeToken(volumes[i - 1].file_name));
      break;
    }
    FillVolume(volumes[i], response->add_entries()->mutable_volume());
    ++returned;
  }
  return Status::Ok();
}

Status ControllerServer::DoGetCapacity(const v1::GetCapacityRequest& request,
                                       v1::GetCapacityResponse* response) {
  for (const auto& capability : request.volume_capabilities()) {
    CURVE_RETURN_IF_ERROR(CheckVolumeCapability(capability));
  }
  CURVE_ASSIGN_OR_RETURN(auto params, ParseVolumeParameters(ToMap(request.parameters())));
  auto capacity = backend_.Capacity(params.poolset);
  if (!capacity.ok()) {
    if (capacity.status().code() == StatusCode::kNotFound) {
      return InvalidArgumentError("parameter poolset: " + capacity.status().message());
    }
    return capacity.status();
  }
  int64_t available = std::max<int64_t>(0, capacity->capacity_bytes - capacity->used_bytes);
  response->set_available_capacity(available);
  response->mutable_maximum_volume_size()->set_value(options_.bounds.max_bytes);
  response->mutable_minimum_volume_size()->set_value(options_.bounds.min_bytes);
  return Status::Ok();
}

Status ControllerServer::DoExpand(const v1::ControllerExpandVolumeRequest& request,
                                  v1::ControllerExpandVolumeResponse* response) {
  if (request.volume_id().empty()) return InvalidArgumentError("volume_id must not be empty");
  if (!request.has_capacity_range()) return InvalidArgumentError("capacity_range is required");
  if (request.has_volume_capability()) {
    CURVE_RETURN_IF_ERROR(CheckVolumeCapability(request.volume_capability()));
  }
  CURVE_ASSIGN_OR_RETURN(auto id, ParseId(request.volume_id()));
  int64_t required = request.capacity_range().required_bytes();
  int64_t limit = request.capacity_range().limit_bytes();
  CURVE_ASSIGN_OR_RETURN(int64_t size, ChooseVolumeSize(required, limit, options_.bounds));
  CURVE_ASSIGN_OR_RETURN(auto guard, volume_locks_.TryAcquire(request.volume_id(), "volume"));
  CURVE_ASSIGN_OR_RETURN(auto volume, backend_.Stat(id.user, id.file_name));
  if (volume.size_bytes < size) {
    CURVE_ASSIGN_OR_RETURN(volume, backend_.Extend(id.user, id.file_name, size));
  }
  response->set_capacity_bytes(volume.size_bytes);
  // Also for block access: the attach daemon and its loop device take the new size only when
  // NodeExpandVolume refreshes them.
  response->set_node_expansion_required(true);
  return Status::Ok();
}

Status ControllerServer::DoGetVolume(const v1::ControllerGetVolumeRequest& request,
                                     v1::ControllerGetVolumeResponse* response) {
  CURVE_ASSIGN_OR_RETURN(auto id, ParseId(request.volume_id()));
  CURVE_ASSIGN_OR_RETURN(auto volume, backend_.Stat(id.user, id.file_name));
  FillVolume(volume, response->mutable_volume());
  auto* condition = response->mutable_status()->mutable_volume_condition();
  condition->set_abnormal(false);
  condition->set_message("volume is known to the MDS");
  return Status::Ok();
}

grpc::Status ControllerServer::CreateVolume(grpc::ServerContext*,
                                            const v1::CreateVolumeRequest* request,
                                            v1::CreateVolumeResponse* response) {
  auto started = Clock::now();
  return FinishCall("CreateVolume", *request, DoCreateVolume(*request, response), started);
}

grpc::Status ControllerServer::DeleteVolume(grpc::ServerContext*,
                                            const v1::DeleteVolumeRequest* request,
                                            v1::DeleteVolumeResponse*) {
  auto started = Clock::now();
  return FinishCall("DeleteVolume", *request, DoDeleteVolume(*request), started);
}

grpc::Status ControllerServer::ValidateVolumeCapabilities(
    grpc::ServerContext*, const v1::ValidateVolumeCapabilitiesRequest* request,
    v1::ValidateVolumeCapabilitiesResponse* response) {
  auto started = Clock::now();
  return FinishCall("ValidateVolumeCapabilities", *request, DoValidate(*request, response),
                    started);
}

grpc::Status ControllerServer::ListVolumes(grpc::ServerContext*,
                                           const v1::ListVolumesRequest* request,
                                           v1::ListVolumesResponse* response) {
  auto started = Clock::now();
  return FinishCall("ListVolumes", *request, DoListVolumes(*request, response), started);
}

grpc::Status ControllerServer::GetCapacity(grpc::ServerContext*,
                                           const v1::GetCapacityRequest* request,
                                           v1::GetCapacityResponse* response) {
  auto started = Clock::now();
  return FinishCall("GetCapacity", *request, DoGetCapacity(*request, response), started);
}

grpc::Status ControllerServer::ControllerGetCapabilities(
    grpc::ServerContext*, const v1::ControllerGetCapabilitiesRequest* request,
    v1::ControllerGetCapabilitiesResponse* response) {
  using Rpc = v1::ControllerServiceCapability::RPC;
  for (auto type : {Rpc::CREATE_DELETE_VOLUME, Rpc::LIST_VOLUMES, Rpc::GET_CAPACITY,
                    Rpc::EXPAND_VOLUME, Rpc::GET_VOLUME, Rpc::SINGLE_NODE_MULTI_WRITER}) {
    response->add_capabilities()->mutable_rpc()->set_type(type);
  }
  return FinishCall("ControllerGetCapabilities", *request, Status::Ok(), Clock::now());
}

grpc::Status ControllerServer::ControllerExpandVolume(
    grpc::ServerContext*, const v1::ControllerExpandVolumeRequest* request,
    v1::ControllerExpandVolumeResponse* response) {
  auto started = Clock::now();
  return FinishCall("ControllerExpandVolume", *request, DoExpand(*request, response), started);
}

grpc::Status ControllerServer::ControllerGetVolume(grpc::ServerContext*,
                                                   const v1::ControllerGetVolumeRequest* request,
                                                   v1::ControllerGetVolumeResponse* response) {
  auto started = Clock::now();
  return FinishCall("ControllerGetVolume", *request, DoGetVolume(*request, response), started);
}

}  // namespace curve::csi
