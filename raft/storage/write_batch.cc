#include "raft/storage/write_batch.h"

namespace curve::raft {

GroupWrite& WriteBatch::For(GroupId group) {
  auto [it, inserted] = positions_.try_emplace(group, writes_.size());
  if (inserted) {
    writes_.emplace_back();
    writes_.back().group = group;
  }
  return writes_[it->second];
}

void WriteBatch::Append(GroupId group, std::vector<Entry> entries) {
  if (entries.empty()) return;
  GroupWrite& w = For(group);
  if (!w.entries.empty()) {
    Index first = entries.front().index;
    Index have_first = w.entries.front().index;
    if (first >= have_first && first <= w.entries.back().index + 1) {
      w.entries.resize(first - have_first);
    }
  }
  for (Entry& e : entries) w.entries.push_back(std::move(e));
}

void WriteBatch::SetHardState(GroupId group, const HardState& hard_state) {
  For(group).hard_state = hard_state;
}

void WriteBatch::SaveSnapshot(GroupId group, Snapshot snapshot) {
  GroupWrite& w = For(group);
  w.snapshot = std::move(snapshot);
  w.install_snapshot = false;
}

void WriteBatch::InstallSnapshot(GroupId group, Snapshot snapshot) {
  GroupWrite& w = For(group);
  w.snapshot = std::move(snapshot);
  w.install_snapshot = true;
}

void WriteBatch::Bootstrap(GroupId group, const Configuration& config) {
  InstallSnapshot(group, Snapshot{SnapshotMeta{0, 0, config}, {}});
}

void WriteBatch::Compact(GroupId group, Index index) { For(group).compact_to = index; }

void WriteBatch::RemoveGroup(GroupId group) { For(group).remove = true; }

uint64_t WriteBatch::ApproximateBytes() const {
  uint64_t bytes = 0;
  for (const GroupWrite& w : writes_) {
    bytes += 64;
    for (const Entry& e : w.entries) bytes += e.ByteSize();
    if (w.snapshot) bytes += 64 + 8 * w.snapshot->meta.config.voters.size();
  }
  return bytes;
}

}  // namespace curve::raft
