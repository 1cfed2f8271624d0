#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/etcd/etcd_client.h"
#include "common/etcd/lease_keeper.h"
#include "common/etcd/watcher.h"
#include "common/result.h"

namespace curve::etcd {

struct LeaderInfo {
  std::string key;    // the leader's candidate key
  std::string value;  // what the leader published, e.g. its address
  int64_t create_revision = 0;
  int64_t lease = 0;

  bool operator==(const LeaderInfo& other) const = default;
};

// Leader election among processes sharing a key prefix. Each candidate writes one key,
// <prefix><lease id in hex>, bound to its lease; the candidate whose key was created first
// leads. When a leader dies its lease expires, its key vanishes, and the next candidate leads.
// Thread-compatible: one Election object per candidate, used from one thread at a time, except
// Observe which is independent.
class Election {
 public:
  // `prefix` should end with '/', e.g. "/curve/mds/leader/".
  Election(EtcdClient& client, std::string prefix);

  // Blocks until this candidate leads, publishing `value`. DEADLINE_EXCEEDED after `timeout`
  // (the candidacy stays registered: call again to keep waiting, or Resign), ABORTED when the
  // lease is lost while waiting. When already leading it only updates the published value.
  Status Campaign(const LeaseKeeper& lease, const std::string& value,
                  std::chrono::milliseconds timeout);

  // Withdraws this candidate (leader or not): deletes its key. OK when not a candidate.
  Status Resign();

  // The current leader, or nullopt when there are no candidates.
  Result<std::optional<LeaderInfo>> Leader();

  // Calls `on_change` with the current leader now and after every change of leader (nullopt
  // while there is none), from a watcher thread, until the returned Watcher is destroyed.
  Result<std::unique_ptr<Watcher>> Observe(
      std::function<void(const std::optional<LeaderInfo>&)> on_change);

 private:
  EtcdClient& client_;
  std::string prefix_;
  std::string key_;  // this candidate's key once campaigning
};

}  // namespace curve::etcd
