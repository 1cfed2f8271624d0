#pragma once

#include "common/etcd/types.h"
#include "common/status.h"
#include "proto/etcd/rpc.pb.h"

// Internal to common/etcd: conversions between our types and etcd's messages.
namespace curve::etcd {

KeyValue FromProto(const mvccpb::KeyValue& kv);
void ToProto(const Compare& compare, etcdserverpb::Compare* out);
void ToProto(const Op& op, etcdserverpb::RequestOp* out);

// etcd answers NOT_FOUND for unknown leases; give the error a message that names the lease.
Status MapLeaseNotFound(const Status& status, int64_t lease_id);

}  // namespace curve::etcd
