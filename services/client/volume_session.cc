#include "services/client/volume_session.h"

#include <grpcpp/grpcpp.h>

#include "common/logging.h"
#include "proto/mds/namespace.grpc.pb.h"
#include "services/mds/client/mds_client.h"

namespace curve::client {

VolumeSession::VolumeSession(mds::MdsClient* mds, std::string user, std::string path,
                             std::chrono::milliseconds refresh)
    : mds_(mds), user_(std::move(user)), path_(std::move(path)), refresh_(refresh) {}

VolumeSession::~VolumeSession() { (void)Close(); }

Result<mds::FileInfo> VolumeSession::Open(const std::string& client) {
  mds::OpenFileRequest request;
  request.set_user(user_);
  request.set_path(path_);
  request.set_client(client);
  mds::OpenFileResponse response;
  CURVE_RETURN_IF_ERROR(mds_->Call(
      "OpenFile",
      [&](const auto& channel, grpc::ClientContext& c) {
        return mds::NamespaceService::NewStub(channel)->OpenFile(&c, request, &response);
      },
      false));
  session_id_ = response.session().session_id();
  if (refresh_.count() <= 0) {
    refresh_ = std::chrono::milliseconds(
                   std::chrono::seconds(std::max<uint32_t>(response.lease_seconds(), 3))) /
               3;
  }
  sequence_.Advance(response.file().sequence());
  refresher_ = std::thread([this] { RefreshLoop(); });
  return response.file();
}

Status VolumeSession::Close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::Ok();
    closed_ = true;
  }
  cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
  if (session_id_.empty()) return Status::Ok();
  mds::CloseFileRequest request;
  request.set_user(user_);
  request.set_path(path_);
  request.set_session_id(session_id_);
  mds::CloseFileResponse response;
  return mds_->Call("CloseFile", [&](const auto& channel, grpc::ClientContext& c) {
    return mds::NamespaceService::NewStub(channel)->CloseFile(&c, request, &response);
  });
}

uint64_t VolumeSession::Renew(uint64_t sequence) {
  bool drained = false;
  uint64_t renewed = sequence_.Renew(sequence, &drained);
  if (drained) RequestReport();
  return renewed;
}

void VolumeSession::End(uint64_t sequence) {
  if (sequence_.End(sequence)) RequestReport();
}

void VolumeSession::RequestReport() {
  {
    std::lock_guard lock(mu_);
    report_now_ = true;
  }
  cv_.notify_all();
}

void VolumeSession::RefreshLoop() {
  std::unique_lock lock(mu_);
  while (!closed_) {
    cv_.wait_for(lock, refresh_, [&] { return closed_ || report_now_; });
    if (closed_) return;
    report_now_ = false;
    lock.unlock();
    (void)Refresh();
    lock.lock();
  }
}

Status VolumeSession::Refresh() {
  std::lock_guard serial(refresh_mu_);
  // A second round reports a switch at once when no older write is in flight.
  for (int round = 0; round < 2; ++round) {
    const uint64_t reported = sequence_.reportable();
    mds::RefreshSessionRequest request;
    request.set_user(user_);
    request.set_path(path_);
    request.set_session_id(session_id_);
    request.set_sequence(reported);
    mds::RefreshSessionResponse response;
    Status s = mds_->Call("RefreshSession", [&](const auto& channel, grpc::ClientContext& c) {
      return mds::NamespaceService::NewStub(channel)->RefreshSession(&c, request, &response);
    });
    if (!s.ok()) {
      log::Get("libcurve")->warn("op=RefreshSession volume={} err={}", path_, s.ToString());
      return s;
    }
    const uint64_t previous = sequence_.current();
    if (sequence_.Advance(response.sequence())) {
      log::Get("libcurve")
          ->info("op=RefreshSession volume={} sequence={} new_sequence={}", path_, previous,
                 response.sequence());
    }
    if (sequence_.reportable() <= reported) break;
  }
  return Status::Ok();
}

}  // namespace curve::client
