#include "csi/driver/mds_volume_backend.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "csi/util/mds_errors.h"
#include "proto/mds/namespace.grpc.pb.h"
#include "proto/mds/topology.grpc.pb.h"
#include "services/mds/client/mds_client.h"

namespace curve::csi {
namespace {

constexpr char kRootUser[] = "root";

BackendVolume FromFileInfo(const mds::FileInfo& info) {
  BackendVolume volume;
  volume.user = info.owner();
  volume.file_name = info.name();
  volume.size_bytes = static_cast<int64_t>(info.size());
  volume.poolset = info.poolset();
  volume.ctime_ms = info.ctime_ms();
  return volume;
}

}  // namespace

Result<std::unique_ptr<MdsVolumeBackend>> MdsVolumeBackend::Create(MdsBackendOptions options) {
  if (options.addresses.empty()) {
    return InvalidArgumentError("no MDS address given (--mds or mds in the config file)");
  }
  if (options.volume_dir.empty() || options.volume_dir[0] != '/') {
    return InvalidArgumentError("volume directory '" + options.volume_dir +
                                "' must be an absolute MDS path");
  }
  mds::MdsClientOptions client_options;
  client_options.addresses = options.addresses;
  client_options.attempt_timeout = options.attempt_timeout;
  client_options.total_timeout = options.total_timeout;
  CURVE_ASSIGN_OR_RETURN(auto client, mds::MdsClient::Create(client_options));
  client_options.attempt_timeout = std::chrono::seconds(1);
  client_options.total_timeout = std::chrono::seconds(2);
  CURVE_ASSIGN_OR_RETURN(auto ping_client, mds::MdsClient::Create(client_options));
  return std::unique_ptr<MdsVolumeBackend>(
      new MdsVolumeBackend(std::move(options), std::move(client), std::move(ping_client)));
}

MdsVolumeBackend::MdsVolumeBackend(MdsBackendOptions options,
                                   std::unique_ptr<mds::MdsClient> client,
                                   std::unique_ptr<mds::MdsClient> ping_client)
    : options_(std::move(options)),
      client_(std::move(client)),
      ping_client_(std::move(ping_client)) {
  for (const auto& address : options_.addresses) {
    addresses_ += (addresses_.empty() ? "" : ",") + address;
  }
}

MdsVolumeBackend::~MdsVolumeBackend() = default;

std::string MdsVolumeBackend::PathOf(const std::string& file_name) const {
  std::string dir = options_.volume_dir;
  if (dir.back() != '/') dir += '/';
  return dir + file_name;
}

Status MdsVolumeBackend::EnsureVolumeDir() {
  mds::CreateFileRequest request;
  request.set_user(kRootUser);
  request.set_path(options_.volume_dir);
  request.set_type(mds::FILE_TYPE_DIRECTORY);
  mds::CreateFileResponse response;
  Status status = client_->Call("CreateFile", [&](const auto& channel, grpc::ClientContext& c) {
    return mds::NamespaceService::NewStub(channel)->CreateFile(&c, request, &response);
  });
  if (status.code() == StatusCode::kAlreadyExists) return Status::Ok();
  return FromMdsError(status, "create volume directory " + options_.volume_dir, addresses_);
}

Result<BackendVolume> MdsVolumeBackend::Create(const std::string& user,
                                               const std::string& file_name, int64_t size_bytes,
                                               const std::string& poolset) {
  mds::CreateFileRequest request;
  request.set_user(user);
  request.set_path(PathOf(file_name));
  request.set_type(mds::FILE_TYPE_VOLUME);
  request.set_size(static_cast<uint64_t>(size_bytes));
  request.set_poolset(poolset);
  for (int attempt = 0; attempt < 2; ++attempt) {
    mds::CreateFileResponse response;
    // Not idempotent: a retried create after a lost answer reports ALREADY_EXISTS, which the
    // controller resolves by comparing the existing volume.
    Status status = client_->Call(
        "CreateFile",
        [&](const auto& channel, grpc::ClientContext& c) {
          return mds::NamespaceService::NewStub(channel)->CreateFile(&c, request, &response);
        },
        /*idempotent=*/false);
    if (status.ok()) return FromFileInfo(response.file());
    if (attempt == 0 && status.code() == StatusCode::kNotFound &&
        status.message().find("parent directory") != std::string::npos) {
      CURVE_RETURN_IF_ERROR(EnsureVolumeDir());
      continue;
    }
    if (status.code() == StatusCode::kNotFound &&
        status.message().find("poolset") != std::string::npos) {
      return NotFoundError("poolset " + (poolset.empty() ? std::string("default") : poolset) +
                           " does not exist");
    }
    return FromMdsError(status, "create volume " + PathOf(file_name), addresses_);
  }
  return InternalError("create volume " + PathOf(file_name) + ": directory vanished");
}

Result<BackendVolume> MdsVolumeBackend::Stat(const std::string& user,
                                             const std::string& file_name) {
  mds::StatFileRequest request;
  request.set_user(user);
  request.set_path(PathOf(file_name));
  mds::StatFileResponse response;
  Status status = client_->Call("StatFile", [&](const auto& channel, grpc::ClientContext& c) {
    return mds::NamespaceService::NewStub(channel)->StatFile(&c, request, &response);
  });
  if (!status.ok()) return FromMdsError(status, "stat volume " + PathOf(file_name), addresses_);
  if (response.file().type() != mds::FILE_TYPE_VOLUME) {
    return NotFoundError(PathOf(file_name) + " is not a volume");
  }
  return FromFileInfo(response.file());
}

Result<std::vector<BackendVolume>> MdsVolumeBackend::List() {
  mds::ListDirRequest request;
  request.set_user(kRootUser);
  request.set_path(options_.volume_dir);
  mds::ListDirResponse response;
  Status status = client_->Call("ListDir", [&](const auto& channel, grpc::ClientContext& c) {
    return mds::NamespaceService::NewStub(channel)->ListDir(&c, request, &response);
  });
  std::vector<BackendVolume> out;
  if (status.code() == StatusCode::kNotFound) return out;  // no volume created yet
  if (!status.ok()) return FromMdsError(status, "list " + options_.volume_dir, addresses_);
  for (const auto& file : response.files()) {
    if (file.type() == mds::FILE_TYPE_VOLUME) out.push_back(FromFileInfo(file));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.file_name < b.file_name; });
  return out;
}

Result<BackendVolume> MdsVolumeBackend::Extend(const std::string& user,
                                               const std::string& file_name, int64_t size_bytes) {
  mds::ExtendFileRequest request;
  request.set_user(user);
  request.set_path(PathOf(file_name));
  request.set_new_size(static_cast<uint64_t>(size_bytes));
  mds::ExtendFileResponse response;
  Status status = client_->Call("ExtendFile", [&](const auto& channel, grpc::ClientContext& c) {
    return mds::NamespaceService::NewStub(channel)->ExtendFile(&c, request, &response);
  });
  if (!status.ok()) return FromMdsError(status, "extend volume " + PathOf(file_name), addresses_);
  return FromFileInfo(response.file());
}

Status MdsVolumeBackend::Delete(const std::string& user, const std::string& file_name) {
  mds::DeleteFileRequest request;
  request.set_user(user);
  request.set_path(PathOf(file_name));
  request.set_purge(true);
  mds::DeleteFileResponse response;
  Status status = client_->Call("DeleteFile", [&](const auto& channel, grpc::ClientContext& c) {
    return mds::NamespaceService::NewStub(channel)->DeleteFile(&c, request, &response);
  });
  return FromMdsError(status, "delete volume " + PathOf(file_name), addresses_);
}

Result<PoolsetCapacity> MdsVolumeBackend::Capacity(const std::string& poolset) {
  mds::GetClusterHealthResponse response;
  Status status =
      client_->Call("GetClusterHealth", [&](const auto& channel, grpc::ClientContext& c) {
        return mds::TopologyService::NewStub(channel)->GetClusterHealth(&c, {}, &response);
      });
  if (!status.ok()) return FromMdsError(status, "get cluster health", addresses_);
  std::string name = poolset.empty() ? "default" : poolset;
  for (const auto& health : response.poolsets()) {
    if (health.poolset() == name) {
      return PoolsetCapacity{static_cast<int64_t>(health.capacity_bytes()),
                             static_cast<int64_t>(health.used_bytes())};
    }
  }
  if (name == "default") return PoolsetCapacity{};  // always exists, maybe without pools yet
  return NotFoundError("poolset " + name + " does not exist");
}

Status MdsVolumeBackend::Ping() {
  mds::GetClusterHealthResponse response;
  Status status =
      ping_client_->Call("GetClusterHealth", [&](const auto& channel, grpc::ClientContext& c) {
        return mds::TopologyService::NewStub(channel)->GetClusterHealth(&c, {}, &response);
      });
  return FromMdsError(status, "probe", addresses_);
}

}  // namespace curve::csi
