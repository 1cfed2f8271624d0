#pragma once

// KvStateMachine: a replicated key/value register for tests, the test node and the benchmark.
// Commands are EncodePut(key, value); a snapshot holds the whole map and its applied index.
//
// Thread-safety: the raft callbacks run on the driver thread; the readers (Get, Dump, applied)
// may be called from any thread.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "raft/node/state_machine.h"

namespace curve::raft {

std::string EncodePut(const std::string& key, const std::string& value);

class KvStateMachine final : public StateMachine {
 public:
  using RoleListener = std::function<void(Role role, Term term, NodeId leader)>;

  KvStateMachine() = default;
  explicit KvStateMachine(RoleListener on_role) : on_role_(std::move(on_role)) {}

  void Apply(Index index, const std::string& data) override;
  Result<std::string> SaveSnapshot() override;
  Status LoadSnapshot(const SnapshotMeta& meta, const std::string& data) override;
  void OnRoleChange(Role role, Term term, NodeId leader) override;

  std::optional<std::string> Get(const std::string& key) const;
  std::map<std::string, std::string> Dump(Index* applied) const;
  Index applied() const;
  uint64_t snapshots_loaded() const;

 private:
  RoleListener on_role_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> values_;
  Index applied_ = 0;
  uint64_t snapshots_loaded_ = 0;
};

}  // namespace curve::raft
