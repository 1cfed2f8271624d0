#include "proto/mds/namespace.grpc.pb.h"
#include "services/mds/namespace/namespace_manager.h"
#include "services/mds/server/serve.h"

namespace curve::mds {
namespace {

class NamespaceServiceImpl final : public NamespaceService::Service {
 public:
  NamespaceServiceImpl(NamespaceManager& names, const LeaderState& leader, RpcObserver& observer)
      : names_(names), leader_(leader), observer_(observer) {}

  grpc::Status CreateFile(grpc::ServerContext* c, const CreateFileRequest* r,
                          CreateFileResponse* out) override {
    return Serve(leader_, observer_, c, "CreateFile", Fields(r->user(), r->path()),
                 [&]() -> Status {
                   CURVE_ASSIGN_OR_RETURN(
                       *out->mutable_file(),
                       names_.Create(r->user(), r->path(), r->type(), r->size(), r->poolset()));
                   return Status::Ok();
                 });
  }
  grpc::Status StatFile(grpc::ServerContext* c, const StatFileRequest* r,
                        StatFileResponse* out) override {
    return Serve(leader_, observer_, c, "StatFile", Fields(r->user(), r->path()), [&]() -> Status {
      CURVE_ASSIGN_OR_RETURN(*out->mutable_file(), names_.Stat(r->user(), r->path()));
      return Status::Ok();
    });
  }
  grpc::Status ListDir(grpc::ServerContext* c, const ListDirRequest* r,
                       ListDirResponse* out) override {
    return Serve(leader_, observer_, c, "ListDir", Fields(r->user(), r->path()), [&]() -> Status {
      CURVE_ASSIGN_OR_RETURN(auto files, names_.List(r->user(), r->path()));
      for (auto& f : files) *out->add_files() = std::move(f);
      return Status::Ok();
    });
  }
  grpc::Status RenameFile(grpc::ServerContext* c, const RenameFileRequest* r,
                          RenameFileResponse* out) override {
    return Serve(leader_, observer_, c, "RenameFile",
                 Fields(r->user(), r->path()) + " new_path=" + r->new_path(), [&]() -> Status {
                   CURVE_ASSIGN_OR_RETURN(*out->mutable_file(),
                                          names_.Rename(r->user(), r->path(), r->new_path()));
                   return Status::Ok();
                 });
  }
  grpc::Status ExtendFile(grpc::ServerContext* c, const ExtendFileRequest* r,
                          ExtendFileResponse* out) override {
    return Serve(leader_, observer_, c, "ExtendFile", Fields(r->user(), r->path()),
                 [&]() -> Status {
                   CURVE_ASSIGN_OR_RETURN(*out->mutable_file(),
                                          names_.Extend(r->user(), r->path(), r->new_size()));
                   return Status::Ok();
                 });
  }
  grpc::Status DeleteFile(grpc::ServerContext* c, const DeleteFileRequest* r,
                          DeleteFileResponse*) override {
    return Serve(leader_, observer_, c, "DeleteFile", Fields(r->user(), r->path()),
                 [&] { return names_.Delete(r->user(), r->path(), r->purge()); });
  }
  grpc::Status ListRecycleBin(grpc::ServerContext* c, const ListRecycleBinRequest* r,
                              ListRecycleBinResponse* out) override {
    return Serve(leader_, observer_, c, "ListRecycleBin", "user=" + r->user(), [&]() -> Status {
      CURVE_ASSIGN_OR_RETURN(auto files, names_.ListRecycleBin(r->user()));
      for (auto& f : files) *out->add_files() = std::move(f);
      return Status::Ok();
    });
  }
  grpc::Status PurgeFile(grpc::ServerContext* c, const PurgeFileRequest* r,
                         PurgeFileResponse*) override {
    return Serve(leader_, observer_, c, "PurgeFile",
                 "user=" + r->user() + " file_id=" + std::to_string(r->file_id()),
                 [&] { return names_.Purge(r->user(), r->file_id()); });
  }
  grpc::Status RecoverFile(grpc::ServerContext* c, const RecoverFileRequest* r,
                           RecoverFileResponse* out) override {
    return Serve(leader_, observer_, c, "RecoverFile",
                 "user=" + r->user() + " file_id=" + std::to_string(r->file_id()) +
                     " new_path=" + r->new_path(),
                 [&]() -> Status {
                   CURVE_ASSIGN_OR_RETURN(*out->mutable_file(),
                                          names_.Recover(r->user(), r->file_id(), r->new_path()));
                   return Status::Ok();
                 });
  }
  grpc::Status GetOrAllocateSegment(grpc::ServerContext* c, const GetOrAllocateSegmentRequest* r,
                                    GetOrAllocateSegmentResponse* out) override {
    return Serve(
        leader_, observer_, c, "GetOrAllocateSegment",
        Fields(r->user(), r->path()) + " offset=" + std::to_string(r->offset()), [&]() -> Status {
          CURVE_ASSIGN_OR_RETURN(
              *out->mutable_segment(),
              names_.GetOrAllocateSegment(r->user(), r->path(), r->offset(), r->allocate()));
          return Status::Ok();
        });
  }
  grpc::Status OpenFile(grpc::ServerContext* c, const OpenFileRequest* r,
                        OpenFileResponse* out) override {
    return Serve(
        leader_, observer_, c, "OpenFile", Fields(r->user(), r->path()) + " client=" + r->client(),
        [&]() -> Status {
          CURVE_ASSIGN_OR_RETURN(auto opened, names_.Open(r->user(), r->path(), r->client()));
          *out->mutable_file() = std::move(opened.first);
          *out->mutable_session() = std::move(opened.second);
          out->set_lease_seconds(static_cast<uint32_t>(names_.options().session_ttl.count()));
          return Status::Ok();
        });
  }
  grpc::Status RefreshSession(grpc::ServerContext* c, const RefreshSessionRequest* r,
                              RefreshSessionResponse* out) override {
    return Serve(leader_, observer_, c, "RefreshSession",
                 Fields(r->user(), r->path()) + " sequence=" + std::to_string(r->sequence()),
                 [&]() -> Status {
                   CURVE_ASSIGN_OR_RETURN(
                       uint64_t sequence,
                       names_.Refresh(r->user(), r->path(), r->session_id(), r->sequence()));
                   out->set_sequence(sequence);
                   return Status::Ok();
                 });
  }
  grpc::Status CloseFile(grpc::ServerContext* c, const CloseFileRequest* r,
                         CloseFileResponse*) override {
    return Serve(leader_, observer_, c, "CloseFile", Fields(r->user(), r->path()),
                 [&] { return names_.Close(r->user(), r->path(), r->session_id()); });
  }
  grpc::Status CreateSnapshot(grpc::ServerContext* c, const CreateSnapshotRequest* r,
                              CreateSnapshotResponse* out) override {
    return Serve(leader_, observer_, c, "CreateSnapshot", Fields(r->user(), r->path()),
                 [&]() -> Status {
                   CURVE_ASSIGN_OR_RETURN(*out->mutable_snapshot(),
                                          names_.CreateSnapshot(r->user(), r->path()));
                   return Status::Ok();
                 });
  }
  grpc::Status ListSnapshots(grpc::ServerContext* c, const ListSnapshotsRequest* r,
                             ListSnapshotsResponse* out) override {
    return Serve(
        leader_, observer_, c, "ListSnapshots", Fields(r->user(), r->path()), [&]() -> Status {
          CURVE_ASSIGN_OR_RETURN(auto snapshots, names_.ListSnapshots(r->user(), r->path()));
          for (auto& s : snapshots) *out->add_snapshots() = std::move(s);
          return Status::Ok();
        });
  }
  grpc::Status DeleteSnapshot(grpc::ServerContext* c, const DeleteSnapshotRequest* r,
                              DeleteSnapshotResponse*) override {
    return Serve(leader_, observer_, c, "DeleteSnapshot",
                 Fields(r->user(), r->path()) + " sequence=" + std::to_string(r->sequence()),
                 [&] { return names_.DeleteSnapshot(r->user(), r->path(), r->sequence()); });
  }

 private:
  static std::string Fields(const std::string& user, const std::string& path) {
    return "user=" + user + " volume=" + path;
  }

  NamespaceManager& names_;
  const LeaderState& leader_;
  RpcObserver& observer_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewNamespaceService(NamespaceManager& names,
                                                   const LeaderState& leader,
                                                   RpcObserver& observer) {
  return std::make_unique<NamespaceServiceImpl>(names, leader, observer);
}

}  // namespace curve::mds
