#include "raft/core/config_history.h"

#include "raft/core/check.h"

namespace curve::raft {

void ConfigHistory::Reset(Index index, Configuration config) {
  records_.clear();
  records_.emplace_back(index, std::move(config));
  ++version_;
}

void ConfigHistory::Append(Index index, Configuration config) {
  CURVE_RAFT_CHECK(index > records_.back().first)
      << "configuration at " << index << " after one at " << records_.back().first;
  records_.emplace_back(index, std::move(config));
  ++version_;
}

void ConfigHistory::TruncateFrom(Index index) {
  size_t before = records_.size();
  while (records_.size() > 1 && records_.back().first >= index) records_.pop_back();
  CURVE_RAFT_CHECK(records_.back().first < index)
      << "truncation at " << index << " below the base configuration";
  if (records_.size() != before) ++version_;
}

void ConfigHistory::CompactTo(Index index) {
  size_t keep_from = 0;
  for (size_t i = 0; i < records_.size(); ++i) {
    if (records_[i].first <= index) keep_from = i;
  }
  records_.erase(records_.begin(), records_.begin() + keep_from);
}

}  // namespace curve::raft
