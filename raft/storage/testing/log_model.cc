#include "raft/storage/testing/log_model.h"

#include <sstream>

namespace curve::raft::testing {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

Status ApplyGroupWrite(MemoryLog* log, const GroupWrite& w) {
  std::string g = "group " + Str(w.group) + ": ";
  Index commit_before = log->InitialHardState().commit;
  bool installed = w.snapshot && w.install_snapshot;
  if (w.snapshot) {
    if (w.install_snapshot) {
      CURVE_RETURN_IF_ERROR(log->ApplySnapshot(*w.snapshot));
    } else {
      const SnapshotMeta& meta = w.snapshot->meta;
      Index snap = log->LatestSnapshotMeta().index;
      if (meta.index < snap || meta.index > log->LastIndex()) return OutOfRangeError(g);
      Result<Term> term = log->TermAt(meta.index);
      if (!term.ok() || *term != meta.term) return InvalidArgumentError(g + "term");
      CURVE_RETURN_IF_ERROR(log->CreateSnapshot(meta.index, meta.config, w.snapshot->data));
    }
  }
  if (!w.entries.empty()) {
    Index first = w.entries[0].index;
    for (size_t i = 1; i < w.entries.size(); ++i) {
      if (w.entries[i].index != first + i) return InvalidArgumentError(g);
    }
    if (first < log->FirstIndex()) return OutOfRangeError(g + "compacted");
    if (first <= log->LatestSnapshotMeta().index) return InvalidArgumentError(g + "snapshot");
    if (first > log->LastIndex() + 1) return InvalidArgumentError(g + "gap");
    if (!installed && first <= commit_before) return InvalidArgumentError(g + "committed");
    CURVE_RETURN_IF_ERROR(log->Append(w.entries));
  }
  if (w.hard_state) log->SetHardState(*w.hard_state);
  if (w.compact_to && *w.compact_to >= log->FirstIndex()) {
    if (*w.compact_to > log->LatestSnapshotMeta().index) return FailedPreconditionError(g);
    if (*w.compact_to > log->LastIndex()) return OutOfRangeError(g);
    CURVE_RETURN_IF_ERROR(log->Compact(*w.compact_to));
  }
  if (log->LatestSnapshotMeta().index > log->LastIndex()) return InvalidArgumentError(g + "snap");
  if (log->InitialHardState().commit > log->LastIndex()) return InvalidArgumentError(g + "commit");
  return Status::Ok();
}

}  // namespace

Status LogModel::Apply(const WriteBatch& batch) {
  std::map<GroupId, MemoryLog> next = groups_;
  for (const GroupWrite& w : batch.writes()) {
    if (w.remove) {
      if (w.snapshot || !w.entries.empty() || w.hard_state || w.compact_to) {
        return InvalidArgumentError("removal combined with other operations");
      }
      next.erase(w.group);
      continue;
    }
    auto it = next.find(w.group);
    MemoryLog log = it == next.end() ? MemoryLog() : it->second;
    CURVE_RETURN_IF_ERROR(ApplyGroupWrite(&log, w));
    next[w.group] = std::move(log);
  }
  groups_ = std::move(next);
  return Status::Ok();
}

std::string DiffLogs(const LogReader& want, const LogReader& got) {
  std::ostringstream out;
  if (want.FirstIndex() != got.FirstIndex() || want.LastIndex() != got.LastIndex()) {
    out << "log range [" << got.FirstIndex() << "," << got.LastIndex() << "], want ["
        << want.FirstIndex() << "," << want.LastIndex() << "]";
    return out.str();
  }
  if (!(want.InitialHardState() == got.InitialHardState())) {
    HardState w = want.InitialHardState();
    HardState g = got.InitialHardState();
    out << "hard state (" << g.term << "," << g.vote << "," << g.commit << "), want (" << w.term
        << "," << w.vote << "," << w.commit << ")";
    return out.str();
  }
  Result<Term> wt = want.TermAt(want.FirstIndex() - 1);
  Result<Term> gt = got.TermAt(got.FirstIndex() - 1);
  if (!gt.ok() || *wt != *gt) return "term of the compaction point differs";
  if (!(want.LatestSnapshotMeta() == got.LatestSnapshotMeta())) {
    out << "snapshot at " << got.LatestSnapshotMeta().index << " config "
        << got.LatestSnapshotMeta().config << ", want " << want.LatestSnapshotMeta().index
        << " config " << want.LatestSnapshotMeta().config;
    return out.str();
  }
  Result<Snapshot> ws = want.LatestSnapshot();
  Result<Snapshot> gs = got.LatestSnapshot();
  if (!gs.ok()) return "LatestSnapshot: " + gs.status().ToString();
  if (ws->data != gs->data) return "snapshot payload differs";
  Result<std::vector<Entry>> we = want.Entries(want.FirstIndex(), want.LastIndex() + 1, UINT64_MAX);
  Result<std::vector<Entry>> ge = got.Entries(got.FirstIndex(), got.LastIndex() + 1, UINT64_MAX);
  if (!ge.ok()) return "Entries: " + ge.status().ToString();
  if (*we != *ge) {
    for (size_t i = 0; i < we->size() && i < ge->size(); ++i) {
      if (!((*we)[i] == (*ge)[i])) {
        out << "entry " << (*we)[i].index << " differs (term " << (*ge)[i].term << ", want "
            << (*we)[i].term << ")";
        return out.str();
      }
    }
    return "entry count differs";
  }
  for (Index i = got.FirstIndex(); i <= got.LastIndex(); ++i) {
    Result<Term> a = want.TermAt(i);
    Result<Term> b = got.TermAt(i);
    if (!b.ok() || *a != *b) return "TermAt(" + Str(i) + ") differs";
  }
  return "";
}

std::string LogModel::Diff(LogStore& store) const {
  for (GroupId id : store.Groups()) {
    if (!groups_.contains(id)) return "store holds group " + Str(id) + " the model lacks";
  }
  for (const auto& [id, log] : groups_) {
    std::string diff = DiffLogs(log, *store.Group(id));
    if (!diff.empty()) return "group " + Str(id) + ": " + diff;
  }
  return "";
}

}  // namespace curve::raft::testing
