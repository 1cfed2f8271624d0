#pragma once

// LogModel: the reference a LogStore is checked against in tests. One MemoryLog per group,
// changed by the same WriteBatches with the same validation rules, so a test can run a random
// workload on both and compare (and check that both refuse the same batches with the same code).

#include <map>
#include <string>

#include "common/status.h"
#include "raft/core/memory_log.h"
#include "raft/storage/log_store.h"
#include "raft/storage/write_batch.h"

namespace curve::raft::testing {

class LogModel {
 public:
  // Applies `batch` as LogStore::Write would. On error the model is unchanged and the status has
  // the code LogStore gives for the same batch.
  Status Apply(const WriteBatch& batch);

  // "" when `store` holds exactly the model's groups with the same hard state, indexes, terms,
  // entries and snapshot; otherwise the first difference found.
  std::string Diff(LogStore& store) const;

  const std::map<GroupId, MemoryLog>& groups() const { return groups_; }

 private:
  std::map<GroupId, MemoryLog> groups_;
};

// "" when `log` reads the same as `want` through the LogReader interface.
std::string DiffLogs(const LogReader& want, const LogReader& got);

}  // namespace curve::raft::testing
