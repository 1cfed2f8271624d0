#include "common/etcd/etcd_client.h"

#include "common/etcd/connection.h"
#include "common/etcd/convert.h"
#include "common/etcd/watcher.h"

namespace curve::etcd {

EtcdClient::EtcdClient(std::shared_ptr<Connection> connection)
    : connection_(std::move(connection)) {}

EtcdClient::~EtcdClient() = default;

Result<std::unique_ptr<EtcdClient>> EtcdClient::Create(const EtcdOptions& options) {
  CURVE_ASSIGN_OR_RETURN(auto connection, Connection::Create(options));
  return std::unique_ptr<EtcdClient>(new EtcdClient(std::move(connection)));
}

const EtcdOptions& EtcdClient::options() const { return connection_->options(); }

Result<std::optional<KeyValue>> EtcdClient::Get(std::string_view key) {
  etcdserverpb::RangeRequest request;
  request.set_key(std::string(key));
  etcdserverpb::RangeResponse response;
  CURVE_RETURN_IF_ERROR(connection_->Call(
      "etcd get " + std::string(key), true,
      [&](Endpoint& e, auto& context) { return e.kv->Range(&context, request, &response); }));
  if (response.kvs_size() == 0) return std::optional<KeyValue>();
  return std::optional<KeyValue>(FromProto(response.kvs(0)));
}

Result<int64_t> EtcdClient::Put(std::string_view key, std::string_view value, int64_t lease) {
  etcdserverpb::PutRequest request;
  request.set_key(std::string(key));
  request.set_value(std::string(value));
  request.set_lease(lease);
  etcdserverpb::PutResponse response;
  CURVE_RETURN_IF_ERROR(connection_->Call(
      "etcd put " + std::string(key), true,
      [&](Endpoint& e, auto& context) { return e.kv->Put(&context, request, &response); }));
  return response.header().revision();
}

Result<int64_t> EtcdClient::Delete(std::string_view key) {
  etcdserverpb::DeleteRangeRequest request;
  request.set_key(std::string(key));
  etcdserverpb::DeleteRangeResponse response;
  CURVE_RETURN_IF_ERROR(connection_->Call(
      "etcd delete " + std::string(key), true,
      [&](Endpoint& e, auto& context) { return e.kv->DeleteRange(&context, request, &response); }));
  return response.deleted();
}

Result<int64_t> EtcdClient::DeletePrefix(const std::string& prefix) {
  etcdserverpb::DeleteRangeRequest request;
  request.set_key(prefix);
  request.set_range_end(PrefixEnd(prefix));
  etcdserverpb::DeleteRangeResponse response;
  CURVE_RETURN_IF_ERROR(connection_->Call(
      "etcd delete prefix " + prefix, true,
      [&](Endpoint& e, auto& context) { return e.kv->DeleteRange(&context, request, &response); }));
  return response.deleted();
}

Result<ListPage> EtcdClient::List(const std::string& prefix, const ListOptions& options) {
  if (options.limit <= 0) {
    return InvalidArgumentError("etcd list " + prefix + ": limit " + std::to_string(options.limit) +
                                ": expected a positive page size");
  }
  if (!options.continue_from.empty() && options.continue_from.rfind(prefix, 0) != 0) {
    return InvalidArgumentError("etcd list " + prefix + ": continue_from '" +
                                options.continue_from + "' is outside the prefix");
  }
  etcdserverpb::RangeRequest request;
  request.set_key(options.continue_from.empty() ? prefix : options.continue_from);
  request.set_range_end(PrefixEnd(prefix));
  request.set_limit(options.limit);
  request.set_revision(options.revision);
  request.set_keys_only(options.keys_only);
  request.set_sort_order(etcdserverpb::RangeRequest::ASCEND);
  request.set_sort_target(etcdserverpb::RangeRequest::KEY);
  etcdserverpb::RangeResponse response;
  CURVE_RETURN_IF_ERROR(connection_->Call(
      "etcd list " + prefix, true,
      [&](Endpoint& e, auto& context) { return e.kv->Range(&context, request, &response); }));
  ListPage page;
  page.revision = options.revision > 0 ? options.revision : response.header().revision();
  for (const auto& kv : response.kvs()) page.kvs.push_back(FromProto(kv));
  page.more = response.more();
  if (page.more && !page.kvs.empty()) page.next_key = page.kvs.back().key + std::string(1, '\0');
  return page;
}

Result<std::vector<KeyValue>> EtcdClient::ListAll(const std::string& prefix, int64_t page_size) {
  std::vector<KeyValue> all;
  ListOptions options;
  options.limit = page_size;
  while (true) {
    CURVE_ASSIGN_OR_RETURN(ListPage page, List(prefix, options));
    for (auto& kv : page.kvs) all.push_back(std::move(kv));
    if (!page.more) break;
    options.continue_from = page.next_key;
    options.revision = page.revision;
  }
  return all;
}

Result<TxnResult> EtcdClient::Txn(const std::vector<Compare>& compares,
                                  const std::vector<Op>& success, const std::vector<Op>& failure) {
  etcdserverpb::TxnRequest request;
  for (const Compare& compare : compares) ToProto(compare, request.add_compare());
  for (const Op& op : success) ToProto(op, request.add_success());
  for (const Op& op : failure) ToProto(op, request.add_failure());
  etcdserverpb::TxnResponse response;
  CURVE_RETURN_IF_ERROR(connection_->Call("etcd txn", false, [&](Endpoint& e, auto& context) {
    return e.kv->Txn(&context, request, &response);
  }));
  TxnResult result;
  result.succeeded = response.succeeded();
  result.revision = response.header().revision();
  for (const auto& op : response.responses()) {
    OpResult op_result;
    if (op.has_response_range()) {
      for (const auto& kv : op.response_range().kvs()) op_result.kvs.push_back(FromProto(kv));
    } else if (op.has_response_delete_range()) {
      op_result.deleted = op.response_delete_range().deleted();
    }
    result.results.push_back(std::move(op_result));
  }
  return result;
}

Result<bool> EtcdClient::CompareAndSwap(std::string_view key, int64_t expected_mod_revision,
                                        std::string_view value) {
  std::string k(key);
  CURVE_ASSIGN_OR_RETURN(
      TxnResult result,
      Txn({Compare::ModRevision(k, Compare::Result::kEqual, expected_mod_revision)},
          {Op::Put(k, std::string(value))}));
  return result.succeeded;
}

Status EtcdClient::Compact(int64_t revision) {
  etcdserverpb::CompactionRequest request;
  request.set_revision(revision);
  request.set_physical(true);
  etcdserverpb::CompactionResponse response;
  return connection_->Call(
      "etcd compact to " + std::to_string(revision), true,
      [&](Endpoint& e, auto& context) { return e.kv->Compact(&context, request, &response); });
}

Result<Lease> EtcdClient::GrantLease(std::chrono::seconds ttl) {
  if (ttl.count() <= 0) {
    return InvalidArgumentError("lease TTL " + std::to_string(ttl.count()) +
                                "s: expected at least 1 second");
  }
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(ttl.count());
  etcdserverpb::LeaseGrantResponse response;
  CURVE_RETURN_IF_ERROR(
      connection_->Call("etcd lease grant", false, [&](Endpoint& e, auto& context) {
        return e.lease->LeaseGrant(&context, request, &response);
      }));
  if (!response.error().empty()) {
    return FailedPreconditionError("etcd lease grant: " + response.error());
  }
  return Lease{response.id(), std::chrono::seconds(response.ttl())};
}

Status EtcdClient::RevokeLease(int64_t lease_id) {
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(lease_id);
  etcdserverpb::LeaseRevokeResponse response;
  Status status = connection_->Call("etcd lease revoke " + std::to_string(lease_id), true,
                                    [&](Endpoint& e, auto& context) {
                                      return e.lease->LeaseRevoke(&context, request, &response);
                                    });
  return MapLeaseNotFound(status, lease_id);
}

Result<std::chrono::seconds> EtcdClient::KeepAliveOnce(int64_t lease_id) {
  return connection_->KeepAlive(lease_id, connection_->options().retry);
}

Result<std::chrono::seconds> EtcdClient::TimeToLive(int64_t lease_id) {
  etcdserverpb::LeaseTimeToLiveRequest request;
  request.set_id(lease_id);
  etcdserverpb::LeaseTimeToLiveResponse response;
  Status status = connection_->Call("etcd lease ttl " + std::to_string(lease_id), true,
                                    [&](Endpoint& e, auto& context) {
                                      return e.lease->LeaseTimeToLive(&context, request, &response);
                                    });
  CURVE_RETURN_IF_ERROR(MapLeaseNotFound(status, lease_id));
  if (response.ttl() < 0) {
    return NotFoundError("etcd lease " + std::to_string(lease_id) +
                         " has expired or never existed");
  }
  return std::chrono::seconds(response.ttl());
}

std::unique_ptr<Watcher> EtcdClient::Watch(
    std::string key, WatchOptions options,
    std::function<void(const std::vector<WatchEvent>&)> on_events,
    std::function<void(const Status&)> on_error) {
  return std::make_unique<Watcher>(connection_, std::move(key), options, std::move(on_events),
                                   std::move(on_error));
}

}  // namespace curve::etcd
