#include "services/snapshotclone/curve_snapshot_source.h"

#include <grpcpp/grpcpp.h>

#include "proto/chunkserver/chunk.grpc.pb.h"
#include "proto/mds/namespace.grpc.pb.h"
#include "services/client/chunk_router.h"
#include "services/client/volume.h"
#include "services/mds/client/mds_client.h"

namespace curve::snapshotclone {
namespace {

using mds::NamespaceService;

MdsSnapshot FromProto(const mds::SnapshotInfo& info) {
  return {info.sequence(), info.state() == mds::SnapshotInfo::READY, info.size(), info.chunk_size(),
          info.segment_size()};
}

chunkserver::ChunkAddress Address(const ChunkLocation& chunk) {
  chunkserver::ChunkAddress address;
  address.set_logical_pool_id(chunk.logical_pool);
  address.set_copyset_id(chunk.copyset);
  address.set_chunk_id(chunk.chunk_id);
  return address;
}

class CurveVolumeWriter : public VolumeWriter {
 public:
  explicit CurveVolumeWriter(std::unique_ptr<client::Volume> volume) : volume_(std::move(volume)) {}
  Status Write(uint64_t offset, std::string_view data) override {
    return volume_->Write(offset, data.size(), data.data());
  }

 private:
  std::unique_ptr<client::Volume> volume_;
};

}  // namespace

Result<std::unique_ptr<CurveSnapshotSource>> CurveSnapshotSource::Create(
    CurveSourceOptions options) {
  mds::MdsClientOptions mds_options;
  mds_options.addresses = options.mds_addresses;
  mds_options.attempt_timeout = options.rpc_timeout;
  CURVE_ASSIGN_OR_RETURN(auto mds, mds::MdsClient::Create(mds_options));
  return std::unique_ptr<CurveSnapshotSource>(
      new CurveSnapshotSource(std::move(options), std::move(mds)));
}

CurveSnapshotSource::CurveSnapshotSource(CurveSourceOptions options,
                                         std::unique_ptr<mds::MdsClient> mds)
    : options_(std::move(options)),
      mds_(std::move(mds)),
      router_(std::make_unique<client::ChunkRouter>(mds_.get(), options_.rpc_timeout)) {}

CurveSnapshotSource::~CurveSnapshotSource() = default;

Result<VolumeDescription> CurveSnapshotSource::StatVolume(const std::string& user,
                                                          const std::string& path) {
  mds::StatFileRequest request;
  request.set_user(user);
  request.set_path(path);
  mds::StatFileResponse response;
  CURVE_RETURN_IF_ERROR(mds_->Call("StatFile", [&](const auto& channel, grpc::ClientContext& c) {
    return NamespaceService::NewStub(channel)->StatFile(&c, request, &response);
  }));
  const auto& file = response.file();
  if (file.type() != mds::FILE_TYPE_VOLUME) {
    return FailedPreconditionError(path + " is not a volume");
  }
  return VolumeDescription{file.size(), file.chunk_size(), file.segment_size(), file.sequence(),
                           file.poolset()};
}

Status CurveSnapshotSource::CreateVolume(const std::string& user, const std::string& path,
                                         uint64_t size, const std::string& poolset) {
  mds::CreateFileRequest request;
  request.set_user(user);
  request.set_path(path);
  request.set_type(mds::FILE_TYPE_VOLUME);
  request.set_size(size);
  request.set_poolset(poolset);
  mds::CreateFileResponse response;
  return mds_->Call(
      "CreateFile",
      [&](const auto& channel, grpc::ClientContext& c) {
        return NamespaceService::NewStub(channel)->CreateFile(&c, request, &response);
      },
      /*idempotent=*/false);
}

Status CurveSnapshotSource::DeleteVolume(const std::string& user, const std::string& path) {
  mds::DeleteFileRequest request;
  request.set_user(user);
  request.set_path(path);
  request.set_purge(true);
  mds::DeleteFileResponse response;
  Status status = mds_->Call("DeleteFile", [&](const auto& channel, grpc::ClientContext& c) {
    return NamespaceService::NewStub(channel)->DeleteFile(&c, request, &response);
  });
  return status.code() == StatusCode::kNotFound ? Status::Ok() : status;
}

Result<MdsSnapshot> CurveSnapshotSource::CreateSnapshot(const std::string& user,
                                                        const std::string& path) {
  mds::CreateSnapshotRequest request;
  request.set_user(user);
  request.set_path(path);
  mds::CreateSnapshotResponse response;
  CURVE_RETURN_IF_ERROR(mds_->Call(
      "CreateSnapshot",
      [&](const auto& channel, grpc::ClientContext& c) {
        return NamespaceService::NewStub(channel)->CreateSnapshot(&c, request, &response);
      },
      /*idempotent=*/false));
  return FromProto(response.snapshot());
}

Result<std::vector<MdsSnapshot>> CurveSnapshotSource::ListSnapshots(const std::string& user,
                                                                    const std::string& path) {
  mds::ListSnapshotsRequest request;
  request.set_user(user);
  request.set_path(path);
  mds::ListSnapshotsResponse response;
  CURVE_RETURN_IF_ERROR(
      mds_->Call("ListSnapshots", [&](const auto& channel, grpc::ClientContext& c) {
        return NamespaceService::NewStub(channel)->ListSnapshots(&c, request, &response);
      }));
  std::vector<MdsSnapshot> out;
  for (const auto& info : response.snapshots()) out.push_back(FromProto(info));
  return out;
}

Status CurveSnapshotSource::DeleteSnapshot(const std::string& user, const std::string& path,
                                           uint64_t sequence) {
  mds::DeleteSnapshotRequest request;
  request.set_user(user);
  request.set_path(path);
  request.set_sequence(sequence);
  mds::DeleteSnapshotResponse response;
  return mds_->Call("DeleteSnapshot", [&](const auto& channel, grpc::ClientContext& c) {
    return NamespaceService::NewStub(channel)->DeleteSnapshot(&c, request, &response);
  });
}

Result<std::optional<SegmentChunks>> CurveSnapshotSource::GetSegment(const std::string& user,
                                                                     const std::string& path,
                                                                     uint64_t offset) {
  mds::GetOrAllocateSegmentRequest request;
  request.set_user(user);
  request.set_path(path);
  request.set_offset(offset);
  request.set_allocate(false);
  mds::GetOrAllocateSegmentResponse response;
  Status status =
      mds_->Call("GetOrAllocateSegment", [&](const auto& channel, grpc::ClientContext& c) {
        return NamespaceService::NewStub(channel)->GetOrAllocateSegment(&c, request, &response);
      });
  if (status.code() == StatusCode::kNotFound) return std::optional<SegmentChunks>();
  CURVE_RETURN_IF_ERROR(status);
  SegmentChunks segment;
  for (const auto& chunk : response.segment().chunks()) {
    segment.chunks.push_back(
        {response.segment().logical_pool_id(), chunk.copyset_id(), chunk.chunk_id()});
  }
  return std::optional<SegmentChunks>(std::move(segment));
}

Result<ChunkRead> CurveSnapshotSource::ReadChunkSnapshot(const ChunkLocation& chunk,
                                                         uint64_t sequence, uint64_t offset,
                                                         uint32_t length) {
  chunkserver::ReadChunkSnapshotRequest request;
  *request.mutable_chunk() = Address(chunk);
  request.set_sequence(sequence);
  request.set_offset(offset);
  request.set_length(length);
  chunkserver::ReadChunkSnapshotResponse response;
  CURVE_RETURN_IF_ERROR(router_->Call(
      chunk.logical_pool, chunk.copyset, std::chrono::steady_clock::now() + options_.chunk_timeout,
      [&](const std::shared_ptr<grpc::Channel>& channel, grpc::ClientContext& c) {
        return chunkserver::ChunkService::NewStub(channel)->ReadChunkSnapshot(&c, request,
                                                                              &response);
      }));
  ChunkRead out;
  out.exists = response.exists();
  if (out.exists) {
    out.data = std::move(*response.mutable_data());
    // A chunk never written past some offset may answer short: the rest reads as zeros.
    if (out.data.size() < length) out.data.resize(length, '\0');
  }
  return out;
}

Status CurveSnapshotSource::DeleteChunkSnapshot(const ChunkLocation& chunk, uint64_t sequence) {
  chunkserver::DeleteChunkSnapshotRequest request;
  *request.mutable_chunk() = Address(chunk);
  request.set_sequence(sequence);
  chunkserver::DeleteChunkSnapshotResponse response;
  return router_->Call(chunk.logical_pool, chunk.copyset,
                       std::chrono::steady_clock::now() + options_.chunk_timeout,
                       [&](const std::shared_ptr<grpc::Channel>& channel, grpc::ClientContext& c) {
                         return chunkserver::ChunkService::NewStub(channel)->DeleteChunkSnapshot(
                             &c, request, &response);
                       });
}

Result<std::unique_ptr<VolumeWriter>> CurveSnapshotSource::OpenForWrite(const std::string& user,
                                                                        const std::string& path) {
  client::VolumeOptions options;
  options.mds_addresses = options_.mds_addresses;
  options.client_name = options_.client_name;
  options.rpc_timeout = options_.rpc_timeout;
  options.io_threads = 8;
  CURVE_ASSIGN_OR_RETURN(auto volume, client::Volume::Open(options, user, path));
  return std::unique_ptr<VolumeWriter>(new CurveVolumeWriter(std::move(volume)));
}

}  // namespace curve::snapshotclone
