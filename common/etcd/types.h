#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/rpc/retry.h"

namespace curve::etcd {

// One key as etcd stores it. Revisions are etcd's global store revisions.
struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;  // modifications since creation
  int64_t lease = 0;    // 0: no lease
};

// Where and how to reach etcd. Loaded from the "etcd" section of a daemon's config.
struct EtcdOptions {
  std::vector<std::string> endpoints{"127.0.0.1:2379"};  // host:port; tried in turn
  rpc::RetryPolicy retry;

  // Keys: <prefix>.endpoints (list or comma-separated), <prefix>.requestTimeout (duration),
  // <prefix>.retryTimeout (duration): the whole budget of one call including retries.
  Status Load(config::ConfigSource& source, const std::string& prefix = "etcd");
};

// One condition of a transaction.
struct Compare {
  enum class Target { kVersion, kCreateRevision, kModRevision, kValue, kLease };
  enum class Result { kEqual, kGreater, kLess, kNotEqual };

  std::string key;
  Target target = Target::kVersion;
  Result result = Result::kEqual;
  int64_t number = 0;  // for every target except kValue
  std::string value;   // for kValue

  static Compare Value(std::string key, Result result, std::string value);
  static Compare ModRevision(std::string key, Result result, int64_t revision);
  static Compare CreateRevision(std::string key, Result result, int64_t revision);
  static Compare Version(std::string key, Result result, int64_t version);
  // The key does not exist.
  static Compare Missing(std::string key);
};

// One operation of a transaction.
struct Op {
  enum class Type { kGet, kPut, kDelete };

  Type type = Type::kGet;
  std::string key;
  std::string range_end;  // empty: the single key
  std::string value;
  int64_t lease = 0;

  static Op Get(std::string key);
  static Op GetPrefix(const std::string& prefix);
  static Op Put(std::string key, std::string value, int64_t lease = 0);
  static Op Delete(std::string key);
  static Op DeletePrefix(const std::string& prefix);
};

// The outcome of one Op of the branch that ran.
struct OpResult {
  std::vector<KeyValue> kvs;  // kGet: the keys found
  int64_t deleted = 0;        // kDelete: how many keys were removed
};

struct TxnResult {
  bool succeeded = false;         // the comparisons held and the success branch ran
  int64_t revision = 0;           // store revision after the transaction
  std::vector<OpResult> results;  // one per Op of the branch that ran, in order
};

struct ListOptions {
  int64_t limit = 500;        // page size
  std::string continue_from;  // ListPage::next_key of the previous page; empty: from the start
  int64_t revision = 0;       // 0: the newest; pages of one listing should share a revision
  bool keys_only = false;
};

struct ListPage {
  std::vector<KeyValue> kvs;
  bool more = false;  // another page follows; pass next_key and revision to get it
  std::string next_key;
  int64_t revision = 0;  // the revision this page was read at
};

struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  // for deletes: key and mod_revision (the deletion's revision)
};

struct WatchOptions {
  bool prefix = false;         // watch every key starting with the key
  int64_t start_revision = 0;  // 0: changes after now
};

struct Lease {
  int64_t id = 0;
  std::chrono::seconds ttl{0};  // as granted by etcd (it may raise small TTLs)
};

// The smallest key greater than every key starting with `prefix` ("\0" when there is none):
// the range_end of a prefix range.
std::string PrefixEnd(const std::string& prefix);

}  // namespace curve::etcd
