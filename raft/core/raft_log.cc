#include "raft/core/raft_log.h"

#include <algorithm>

#include "raft/core/check.h"
#include "raft/core/configuration.h"

namespace curve::raft {

namespace {

// Entries read per storage call while scanning the log for configurations at startup.
constexpr uint64_t kScanBytes = 4 << 20;

}  // namespace

RaftLog::RaftLog(const LogReader* storage, Index applied) : storage_(storage) {
  SnapshotMeta meta = storage_->LatestSnapshotMeta();
  Index first = storage_->FirstIndex();
  Index last = storage_->LastIndex();
  CURVE_RAFT_CHECK(meta.index + 1 >= first && meta.index <= last)
      << "snapshot at " << meta.index << " outside the stable log [" << first << "," << last << "]";
  offset_ = last + 1;
  committed_ = std::max(meta.index, storage_->InitialHardState().commit);
  CURVE_RAFT_CHECK(committed_ <= last)
      << "persisted commit " << committed_ << " beyond the last entry " << last;
  applied_ = applied == 0 ? meta.index : applied;
  CURVE_RAFT_CHECK(applied_ + 1 >= first && applied_ <= committed_)
      << "applied " << applied_ << " outside [" << first - 1 << "," << committed_ << "]";

  configs_.Reset(meta.index, meta.config);
  for (Index lo = meta.index + 1; lo <= last;) {
    Result<std::vector<Entry>> batch = storage_->Entries(lo, last + 1, kScanBytes);
    CURVE_RAFT_CHECK(batch.ok()) << "reading the log at " << lo << ": " << batch.status();
    RecordConfigurations(*batch);
    lo += batch->size();
  }
}

Index RaftLog::FirstIndex() const {
  if (unstable_snapshot_) return unstable_snapshot_->meta.index + 1;
  return storage_->FirstIndex();
}

Index RaftLog::LastIndex() const {
  if (!unstable_.empty()) return offset_ + unstable_.size() - 1;
  if (unstable_snapshot_) return unstable_snapshot_->meta.index;
  return storage_->LastIndex();
}

Index RaftLog::StableLastIndex() const { return offset_ - 1; }

Result<Term> RaftLog::TermAt(Index index) const {
  if (unstable_snapshot_ && index == unstable_snapshot_->meta.index) {
    return unstable_snapshot_->meta.term;
  }
  if (index >= offset_) {
    if (index - offset_ < unstable_.size()) return unstable_[index - offset_].term;
    return Term{0};
  }
  if (unstable_snapshot_ || index + 1 < storage_->FirstIndex()) {
    return OutOfRangeError("index " + std::to_string(index) + " is compacted");
  }
  Result<Term> term = storage_->TermAt(index);
  CURVE_RAFT_CHECK(term.ok() || term.status().code() == StatusCode::kOutOfRange)
      << "reading the term of " << index << ": " << term.status();
  return term;
}

Term RaftLog::TermOrZero(Index index) const {
  Result<Term> term = TermAt(index);
  return term.ok() ? *term : 0;
}

bool RaftLog::MatchTerm(Index index, Term term) const {
  Result<Term> t = TermAt(index);
  return t.ok() && *t == term;
}

bool RaftLog::IsUpToDate(Index last_index, Term last_term) const {
  Term our_term = LastTerm();
  return last_term > our_term || (last_term == our_term && last_index >= LastIndex());
}

Result<std::vector<Entry>> RaftLog::Slice(Index lo, Index hi, uint64_t max_bytes) const {
  CURVE_RAFT_CHECK(lo <= hi && hi <= LastIndex() + 1)
      << "slice [" << lo << "," << hi << ") past the last index " << LastIndex();
  if (lo < FirstIndex()) return OutOfRangeError("index " + std::to_string(lo) + " is compacted");
  std::vector<Entry> out;
  uint64_t bytes = 0;
  if (lo < offset_) {
    Index stable_hi = std::min(hi, offset_);
    Result<std::vector<Entry>> stable = storage_->Entries(lo, stable_hi, max_bytes);
    if (!stable.ok()) {
      CURVE_RAFT_CHECK(stable.status().code() == StatusCode::kOutOfRange)
          << "reading entries [" << lo << "," << stable_hi << "): " << stable.status();
      return stable.status();
    }
    out = std::move(stable).value();
    if (out.size() < stable_hi - lo) return out;
    for (const Entry& e : out) bytes += e.ByteSize();
  }
  for (Index i = std::max(lo, offset_); i < hi; ++i) {
    const Entry& e = unstable_[i - offset_];
    bytes += e.ByteSize();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

std::optional<Index> RaftLog::MaybeAppend(Index prev_index, Term prev_term, Index commit,
                                          std::vector<Entry> entries) {
  if (!MatchTerm(prev_index, prev_term)) return std::nullopt;
  Index last_new = prev_index + entries.size();
  Index conflict = FindConflict(entries);
  if (conflict != 0) {
    CURVE_RAFT_CHECK(conflict > committed_)
        << "entry " << conflict << " conflicts with the committed log (commit " << committed_
        << ")";
    entries.erase(entries.begin(), entries.begin() + (conflict - prev_index - 1));
    Append(std::move(entries));
  }
  CommitTo(std::min(commit, last_new));
  return last_new;
}

Index RaftLog::Append(std::vector<Entry> entries) {
  if (entries.empty()) return LastIndex();
  Index after = entries.front().index;
  CURVE_RAFT_CHECK(after > committed_ && after <= LastIndex() + 1)
      << "append at " << after << " with commit " << committed_ << " and last " << LastIndex();
  if (after <= LastIndex()) configs_.TruncateFrom(after);
  RecordConfigurations(entries);
  if (after == offset_ + unstable_.size()) {
    unstable_.insert(unstable_.end(), std::make_move_iterator(entries.begin()),
                     std::make_move_iterator(entries.end()));
  } else if (after <= offset_) {
    offset_ = after;
    unstable_ = std::move(entries);
  } else {
    unstable_.resize(after - offset_);
    unstable_.insert(unstable_.end(), std::make_move_iterator(entries.begin()),
                     std::make_move_iterator(entries.end()));
  }
  return LastIndex();
}

Index RaftLog::FindConflict(const std::vector<Entry>& entries) const {
  for (const Entry& e : entries) {
    if (!MatchTerm(e.index, e.term)) return e.index;
  }
  return 0;
}

Index RaftLog::FindConflictByTerm(Index index, Term term) const {
  for (Index i = std::min(index, LastIndex());; --i) {
    Result<Term> t = TermAt(i);
    if (!t.ok() || *t <= term || i == 0) return i;
  }
}

bool RaftLog::MaybeCommit(Index index, Term term) {
  if (index <= committed_ || TermOrZero(index) != term) return false;
  CommitTo(index);
  return true;
}

void RaftLog::CommitTo(Index index) {
  if (index <= committed_) return;
  CURVE_RAFT_CHECK(index <= LastIndex())
      << "commit " << index << " beyond the last index " << LastIndex();
  committed_ = index;
}

void RaftLog::AppliedTo(Index index) {
  if (index <= applied_) return;
  CURVE_RAFT_CHECK(index <= committed_)
      << "applied " << index << " beyond the commit index " << committed_;
  applied_ = index;
  configs_.CompactTo(index);
}

void RaftLog::StableTo(EntryId last) {
  if (last.index < offset_ || last.index - offset_ >= unstable_.size()) return;
  if (unstable_[last.index - offset_].term != last.term) return;
  unstable_.erase(unstable_.begin(), unstable_.begin() + (last.index - offset_ + 1));
  offset_ = last.index + 1;
}

void RaftLog::StableSnapshotTo(Index index) {
  if (unstable_snapshot_ && unstable_snapshot_->meta.index == index) unstable_snapshot_.reset();
}

void RaftLog::Restore(const Snapshot& snapshot) {
  CURVE_RAFT_CHECK(snapshot.meta.index >= committed_)
      << "restoring a snapshot at " << snapshot.meta.index << " below the commit index "
      << committed_;
  committed_ = snapshot.meta.index;
  unstable_snapshot_ = snapshot;
  unstable_.clear();
  offset_ = snapshot.meta.index + 1;
  configs_.Reset(snapshot.meta.index, snapshot.meta.config);
}

std::vector<Entry> RaftLog::NextCommittedEntries(uint64_t max_bytes) const {
  Index lo = std::max(applied_ + 1, FirstIndex());
  if (lo > committed_) return {};
  Result<std::vector<Entry>> entries = Slice(lo, committed_ + 1, max_bytes);
  CURVE_RAFT_CHECK(entries.ok()) << "reading committed entries at " << lo << ": "
                                 << entries.status();
  return std::move(entries).value();
}

bool RaftLog::HasNextCommittedEntries() const {
  return std::max(applied_ + 1, FirstIndex()) <= committed_;
}

void RaftLog::RecordConfigurations(const std::vector<Entry>& entries) {
  for (const Entry& e : entries) {
    if (e.type != EntryType::kConfChange) continue;
    Result<ConfChangeEntry> cc = DecodeConfChangeEntry(e.data);
    CURVE_RAFT_CHECK(cc.ok()) << "entry " << e.index << ": " << cc.status();
    configs_.Append(e.index, cc->result);
  }
}

}  // namespace curve::raft
