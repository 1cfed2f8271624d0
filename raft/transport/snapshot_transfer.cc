#include "raft/transport/snapshot_transfer.h"

#include <algorithm>

#include "common/logging.h"
#include "raft/transport/frame_codec.h"

namespace curve::raft {

SnapshotTransfers::SnapshotTransfers(NodeId self, const SnapshotTransferOptions& options,
                                     TransportHandler* handler)
    : self_(self), options_(options), handler_(handler) {}

SnapshotTransfers::~SnapshotTransfers() { Shutdown(); }

void SnapshotTransfers::ReapLocked(std::list<std::unique_ptr<Transfer>>* finished) {
  for (auto it = active_.begin(); it != active_.end();) {
    if ((*it)->done) {
      finished->push_back(std::move(*it));
      it = active_.erase(it);
    } else {
      ++it;
    }
  }
}

void SnapshotTransfers::Send(GroupId group, Message m, std::shared_ptr<grpc::Channel> channel) {
  std::list<std::unique_ptr<Transfer>> finished;
  bool refused = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ReapLocked(&finished);
    if (shutdown_ || channel == nullptr || active_.size() >= options_.max_concurrent_sends) {
      refused = true;
    } else {
      auto transfer = std::make_unique<Transfer>();
      Transfer* t = transfer.get();
      t->context.set_deadline(std::chrono::system_clock::now() + options_.timeout);
      active_.push_back(std::move(transfer));
      t->thread = std::thread([this, t, group, m = std::move(m), channel = std::move(channel)] {
        grpc::Status status = Run(t, group, m, channel);
        if (!status.ok()) {
          log::Get("raft")->warn("op=SendSnapshot group={} to={} index={} err={}", group, m.to,
                                 m.snapshot->meta.index, status.error_message());
        }
        handler_->OnSnapshotSent(group, m.to, status.ok());
        std::lock_guard<std::mutex> lock(mu_);
        t->done = true;
      });
      m = Message{};
    }
  }
  for (auto& t : finished) t->thread.join();
  if (refused) handler_->OnSnapshotSent(group, m.to, false);
}

grpc::Status SnapshotTransfers::Run(Transfer* transfer, GroupId group, const Message& m,
                                    const std::shared_ptr<grpc::Channel>& channel) {
  const Snapshot& snapshot = *m.snapshot;
  Result<std::unique_ptr<SnapshotReader>> reader = handler_->OpenSnapshotReader(group, snapshot);
  if (!reader.ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        "opening the snapshot: " + reader.status().ToString());
  }
  RaftTransport::Stub stub(channel);
  WireSnapshotAck ack;
  std::unique_ptr<grpc::ClientWriter<WireSnapshotChunk>> writer =
      stub.InstallSnapshot(&transfer->context, &ack);

  WireSnapshotChunk chunk;
  WireSnapshotHeader* header = chunk.mutable_header();
  header->set_group(group);
  header->set_from(self_);
  header->set_to(m.to);
  header->set_term(m.term);
  ToProto(snapshot.meta, header->mutable_meta());
  header->set_data_size(snapshot.data.size());
  bool ok = true;
  size_t offset = 0;
  // The header always goes with the first piece of data (possibly empty).
  do {
    size_t n = std::min(options_.chunk_bytes, snapshot.data.size() - offset);
    chunk.set_data(snapshot.data.substr(offset, n));
    offset += n;
    ok = writer->Write(chunk);
    chunk.Clear();
  } while (ok && offset < snapshot.data.size());
  if (ok && *reader != nullptr) {
    std::string piece;
    while (ok) {
      Result<bool> more = (*reader)->Next(&piece);
      if (!more.ok()) {
        transfer->context.TryCancel();
        (void)writer->Finish();
        return grpc::Status(grpc::StatusCode::INTERNAL,
                            "reading the snapshot: " + more.status().ToString());
      }
      if (!*more) break;
      chunk.set_app_data(std::move(piece));
      ok = writer->Write(chunk);
      chunk.Clear();
      piece.clear();
    }
  }
  if (ok) writer->WritesDone();
  return writer->Finish();
}

grpc::Status SnapshotTransfers::Receive(grpc::ServerContext* context,
                                        grpc::ServerReader<WireSnapshotChunk>* reader) {
  WireSnapshotChunk chunk;
  if (!reader->Read(&chunk) || !chunk.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "snapshot stream without a header");
  }
  const WireSnapshotHeader header = chunk.header();
  if (header.to() != self_) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "snapshot for node " + std::to_string(header.to()) + " sent to node " +
                            std::to_string(self_));
  }
  if (header.data_size() > options_.max_data_bytes) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "snapshot data of " + std::to_string(header.data_size()) + " bytes");
  }
  Snapshot snapshot;
  snapshot.meta = FromProto(header.meta());
  Result<std::unique_ptr<SnapshotWriter>> writer =
      handler_->OpenSnapshotWriter(header.group(), header.from(), snapshot.meta);
  if (!writer.ok()) {
    return grpc::Status(static_cast<grpc::StatusCode>(writer.status().code()),
                        writer.status().message());
  }
  snapshot.data.reserve(header.data_size());
  do {
    if (snapshot.data.size() + chunk.data().size() > header.data_size()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "snapshot data beyond its size");
    }
    snapshot.data += chunk.data();
    if (!chunk.app_data().empty()) {
      if (*writer == nullptr) continue;
      Status s = (*writer)->Write(chunk.app_data());
      if (!s.ok()) return grpc::Status(static_cast<grpc::StatusCode>(s.code()), s.message());
    }
  } while (reader->Read(&chunk));
  if (context->IsCancelled() || snapshot.data.size() != header.data_size()) {
    return grpc::Status(grpc::StatusCode::ABORTED, "snapshot stream ended early");
  }
  if (*writer != nullptr) {
    Status s = (*writer)->Finish();
    if (!s.ok()) return grpc::Status(static_cast<grpc::StatusCode>(s.code()), s.message());
  }
  GroupMessage gm;
  gm.group = header.group();
  gm.message.type = MessageType::kSnapshot;
  gm.message.from = header.from();
  gm.message.to = self_;
  gm.message.term = header.term();
  gm.message.snapshot = std::move(snapshot);
  std::vector<GroupMessage> messages;
  messages.push_back(std::move(gm));
  handler_->OnMessages(header.from(), std::move(messages));
  return grpc::Status::OK;
}

void SnapshotTransfers::Shutdown() {
  std::list<std::unique_ptr<Transfer>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    for (auto& t : active_) t->context.TryCancel();
    all.swap(active_);
  }
  for (auto& t : all) t->thread.join();
}

}  // namespace curve::raft
