#include "common/etcd/election.h"

#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "common/etcd/connection.h"
#include "common/etcd/convert.h"

namespace curve::etcd {
namespace {

// The candidate key created last before `before_revision`, or the first one when 0.
Result<std::optional<LeaderInfo>> FindCandidate(Connection& connection, const std::string& prefix,
                                                int64_t before_revision, int64_t* revision) {
  etcdserverpb::RangeRequest request;
  request.set_key(prefix);
  request.set_range_end(PrefixEnd(prefix));
  request.set_limit(1);
  request.set_sort_target(etcdserverpb::RangeRequest::CREATE);
  if (before_revision > 0) {
    request.set_max_create_revision(before_revision - 1);
    request.set_sort_order(etcdserverpb::RangeRequest::DESCEND);
  } else {
    request.set_sort_order(etcdserverpb::RangeRequest::ASCEND);
  }
  etcdserverpb::RangeResponse response;
  CURVE_RETURN_IF_ERROR(connection.Call("etcd election query " + prefix, true,
                                        [&](Endpoint& e, grpc::ClientContext& context) {
                                          return e.kv->Range(&context, request, &response);
                                        }));
  if (revision != nullptr) *revision = response.header().revision();
  if (response.kvs_size() == 0) return std::optional<LeaderInfo>();
  KeyValue kv = FromProto(response.kvs(0));
  return std::optional<LeaderInfo>(LeaderInfo{kv.key, kv.value, kv.create_revision, kv.lease});
}

}  // namespace

Election::Election(EtcdClient& client, std::string prefix)
    : client_(client), prefix_(std::move(prefix)) {}

Status Election::Campaign(const LeaseKeeper& lease, const std::string& value,
                          std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char id[32];
  std::snprintf(id, sizeof(id), "%016llx", static_cast<unsigned long long>(lease.id()));
  key_ = prefix_ + id;
  // Register (or refresh) the candidacy; the create revision fixes our place in the queue.
  CURVE_ASSIGN_OR_RETURN(
      TxnResult registered,
      client_.Txn({Compare::Missing(key_)}, {Op::Put(key_, value, lease.id())}, {Op::Get(key_)}));
  int64_t my_revision = registered.revision;
  if (!registered.succeeded) {
    const auto& kvs = registered.results.at(0).kvs;
    if (kvs.empty()) return AbortedError("candidate key " + key_ + " vanished while registering");
    my_revision = kvs[0].create_revision;
    if (kvs[0].value != value) CURVE_RETURN_IF_ERROR(client_.Put(key_, value, lease.id()).status());
  }
  Connection& connection = *client_.connection();
  while (true) {
    if (lease.lost()) {
      return AbortedError("campaign for " + prefix_ + ": lease " + std::to_string(lease.id()) +
                          " was lost");
    }
    int64_t revision = 0;
    CURVE_ASSIGN_OR_RETURN(auto predecessor,
                           FindCandidate(connection, prefix_, my_revision, &revision));
    if (!predecessor.has_value()) {
      CURVE_ASSIGN_OR_RETURN(auto mine, client_.Get(key_));
      if (!mine.has_value() || mine->create_revision != my_revision) {
        return AbortedError("campaign for " + prefix_ + ": candidate key " + key_ +
                            " vanished (lease expired?)");
      }
      return Status::Ok();
    }
    // Wait for the predecessor to go away, then look again.
    std::mutex mu;
    std::condition_variable cv;
    bool gone = false;
    WatchOptions options;
    options.start_revision = revision + 1;
    auto watcher =
        client_.Watch(predecessor->key, options, [&](const std::vector<WatchEvent>& events) {
          for (const auto& event : events) {
            if (event.type != WatchEvent::Type::kDelete) continue;
            std::lock_guard<std::mutex> lock(mu);
            gone = true;
            cv.notify_all();
          }
        });
    std::unique_lock<std::mutex> lock(mu);
    while (!gone) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return DeadlineExceededError("campaign for " + prefix_ + ": still waiting behind " +
                                     predecessor->key + " (" + predecessor->value + ")");
      }
      if (lease.lost()) break;  // reported at the top of the loop
      cv.wait_for(lock, std::chrono::milliseconds(100));
    }
  }
}

Status Election::Resign() {
  if (key_.empty()) return Status::Ok();
  CURVE_RETURN_IF_ERROR(client_.Delete(key_).status());
  key_.clear();
  return Status::Ok();
}

Result<std::optional<LeaderInfo>> Election::Leader() {
  return FindCandidate(*client_.connection(), prefix_, 0, nullptr);
}

Result<std::unique_ptr<Watcher>> Election::Observe(
    std::function<void(const std::optional<LeaderInfo>&)> on_change) {
  auto connection = client_.connection();
  int64_t revision = 0;
  CURVE_ASSIGN_OR_RETURN(auto current, FindCandidate(*connection, prefix_, 0, &revision));
  on_change(current);
  auto last = std::make_shared<std::optional<LeaderInfo>>(current);
  WatchOptions options;
  options.prefix = true;
  options.start_revision = revision + 1;
  std::string prefix = prefix_;
  return client_.Watch(prefix_, options,
                       [connection, prefix, last, on_change](const std::vector<WatchEvent>&) {
                         auto leader = FindCandidate(*connection, prefix, 0, nullptr);
                         if (!leader.ok() || *leader == *last) return;
                         *last = *leader;
                         on_change(*last);
                       });
}

}  // namespace curve::etcd
