#include "common/etcd/watcher.h"

#include <condition_variable>
#include <mutex>
#include <random>

#include "common/etcd/connection.h"
#include "common/etcd/convert.h"
#include "common/logging.h"
#include "common/rpc/retry.h"

namespace curve::etcd {

struct Watcher::State {
  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool created = false;
  int64_t last_revision = 0;
  int reconnects = 0;
  std::shared_ptr<grpc::ClientContext> context;  // the live stream's, for cancellation
};

Watcher::Watcher(std::shared_ptr<Connection> connection, std::string key, WatchOptions options,
                 std::function<void(const std::vector<WatchEvent>&)> on_events,
                 std::function<void(const Status&)> on_error)
    : connection_(std::move(connection)),
      key_(std::move(key)),
      options_(options),
      on_events_(std::move(on_events)),
      on_error_(std::move(on_error)),
      state_(std::make_unique<State>()) {
  thread_ = std::thread([this] { Run(); });
}

Watcher::~Watcher() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopping = true;
    if (state_->context) state_->context->TryCancel();
  }
  state_->cv.notify_all();
  thread_.join();
}

bool Watcher::WaitUntilCreated(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(state_->mu);
  return state_->cv.wait_for(lock, timeout, [&] { return state_->created; });
}

int64_t Watcher::last_revision() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->last_revision;
}

int Watcher::reconnects() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->reconnects;
}

void Watcher::Run() {
  auto logger = log::Get("etcd");
  rpc::Backoff backoff(connection_->options().retry, std::random_device{}());
  // The first revision not yet delivered; 0 until etcd tells us the revision the watch began at.
  int64_t next_revision = options_.start_revision;
  bool first_attempt = true;
  while (true) {
    auto context = std::make_shared<grpc::ClientContext>();
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      if (state_->stopping) return;
      state_->context = context;
      if (!first_attempt) ++state_->reconnects;
    }
    first_attempt = false;
    Endpoint& endpoint = connection_->Current();
    auto stream = endpoint.watch->Watch(context.get());
    etcdserverpb::WatchRequest request;
    auto* create = request.mutable_create_request();
    create->set_key(key_);
    if (options_.prefix) create->set_range_end(PrefixEnd(key_));
    create->set_start_revision(next_revision);
    create->set_progress_notify(true);
    etcdserverpb::WatchResponse response;
    bool fatal = false;
    if (stream->Write(request)) {
      while (stream->Read(&response)) {
        if (response.compact_revision() > 0) {
          Status error = OutOfRangeError("watch of " + key_ + " from revision " +
                                         std::to_string(next_revision) +
                                         ": compacted; the oldest available revision is " +
                                         std::to_string(response.compact_revision()));
          if (on_error_) on_error_(error);
          logger->error("op=watch key={} err={}", key_, error.ToString());
          fatal = true;
          break;
        }
        if (response.canceled()) {
          logger->warn("op=watch key={} canceled by etcd: {}", key_, response.cancel_reason());
          break;
        }
        if (response.created()) {
          if (next_revision == 0) next_revision = response.header().revision() + 1;
          backoff.Reset();
          {
            std::lock_guard<std::mutex> lock(state_->mu);
            state_->created = true;
          }
          state_->cv.notify_all();
          continue;
        }
        if (response.events_size() == 0) {
          // A progress notification: every change up to header.revision has been sent.
          next_revision = std::max(next_revision, response.header().revision() + 1);
          continue;
        }
        std::vector<WatchEvent> events;
        events.reserve(response.events_size());
        for (const auto& event : response.events()) {
          WatchEvent out;
          out.type = event.type() == mvccpb::Event::DELETE ? WatchEvent::Type::kDelete
                                                           : WatchEvent::Type::kPut;
          out.kv = FromProto(event.kv());
          events.push_back(std::move(out));
        }
        next_revision = events.back().kv.mod_revision + 1;
        {
          std::lock_guard<std::mutex> lock(state_->mu);
          state_->last_revision = events.back().kv.mod_revision;
        }
        on_events_(events);
      }
    }
    context->TryCancel();
    grpc::Status status = stream->Finish();
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->context.reset();
    if (state_->stopping || fatal) return;
    connection_->Rotate(endpoint);
    auto delay = backoff.Next();
    logger->warn("op=watch key={} stream broke ({}); resuming from revision {} in {}ms", key_,
                 status.error_message(), next_revision, delay.count());
    state_->cv.wait_for(lock, delay, [&] { return state_->stopping; });
  }
}

}  // namespace curve::etcd
