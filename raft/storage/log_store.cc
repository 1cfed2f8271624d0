#include "raft/storage/log_store.h"

#include <algorithm>
#include <future>
#include <set>
#include <unordered_set>

#include "common/fs/posix_file_system.h"
#include "common/logging.h"
#include "common/thread_name.h"
#include "raft/storage/wal_format.h"
#include "raft/storage/wal_recovery.h"

namespace curve::raft {
namespace {

// Entries records are cut at about this size, so reading one entry back reads little else.
constexpr uint64_t kMaxEntriesRecordBytes = 1 << 20;
// A batch larger than this is refused (a frame is at most wal::kMaxFrameLength).
constexpr uint64_t kMaxBatchBytes = 512 << 20;
// The active segment is zero-filled this far ahead of its last frame (wal_format.h).
constexpr uint64_t kZeroFillAhead = 4 << 20;

std::string Str(uint64_t v) { return std::to_string(v); }

}  // namespace

struct LogStore::Pending {
  WriteBatch batch;
  std::vector<SnapshotRef> payloads;  // per batch write: its snapshot payload file, if any
  Callback done;
  bool gc = false;
  // Failed before being queued: completed in queue order with `status`; an I/O failure
  // (`poison`) also fails the store.
  bool failed_early = false;
  bool poison = false;
  uint64_t bytes = 0;
  Status status;
};

LogStore::LogStore(LogStoreOptions options)
    : options_(std::move(options)),
      fs_(options_.fs),
      segments_(options_.dir),
      snapshots_(options_.fs, fs::JoinPath(options_.dir, "snap")) {}

Result<std::unique_ptr<LogStore>> LogStore::Open(LogStoreOptions options) {
  if (options.dir.empty()) return InvalidArgumentError("log store: dir is empty");
  if (options.segment_bytes < 1024 || options.segment_bytes > (1u << 30)) {
    return InvalidArgumentError("log store: segment_bytes " + Str(options.segment_bytes) +
                                " outside [1 KiB, 1 GiB]");
  }
  if (options.max_segments < 2) {
    return InvalidArgumentError("log store: max_segments " + Str(options.max_segments) +
                                " is below 2");
  }
  if (options.fs == nullptr) options.fs = fs::PosixFileSystem::Default();
  std::unique_ptr<LogStore> store(new LogStore(std::move(options)));
  CURVE_RETURN_IF_ERROR(store->Start());
  return store;
}

Status LogStore::Start() {
  std::string what = "open log " + options_.dir;
  CURVE_RETURN_IF_ERROR(fs_->CreateDir(options_.dir).WithContext(what));
  CURVE_RETURN_IF_ERROR(fs_->CreateDir(fs::JoinPath(options_.dir, "snap")).WithContext(what));
  Result<RecoveredLog> recovered = RecoverLog(fs_, options_.dir);
  if (!recovered.ok()) return recovered.status().WithContext(what);
  std::set<std::pair<GroupId, uint64_t>> payloads;
  for (RecoveredSegment& segment : recovered->segments) {
    segments_.Add(segment.seq, std::move(segment.file));
  }
  for (auto& [id, state] : recovered->groups) {
    if (state.snapshot.payload_id != 0) payloads.emplace(id, state.snapshot.payload_id);
    groups_[id] = NewGroupLog(id, std::move(state));
  }
  CURVE_RETURN_IF_ERROR(snapshots_.CleanUp(payloads).WithContext(what));
  CURVE_RETURN_IF_ERROR(CreateSegment(recovered->last_seq + 1).WithContext(what));
  CURVE_RETURN_IF_ERROR(CollectGarbageNow().WithContext(what));
  log::Get("raft")->info(
      "op=OpenLog dir={} groups={} segments={} first_segment={} truncated_bytes={}", options_.dir,
      groups_.size(), segments_.Seqs().size(), segments_.Seqs().front(),
      recovered->truncated_bytes);
  writer_ = std::thread([this] { WriterLoop(); });
  return Status::Ok();
}

LogStore::~LogStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (active_ != nullptr && error_.ok()) {
    // A clean close leaves no zero-filled tail to skip at the next open.
    Status status = TrimActive();
    if (!status.ok()) {
      log::Get("raft")->warn("op=CloseLog dir={} err=\"{}\"", options_.dir, status.ToString());
    }
  }
}

std::shared_ptr<GroupLog> LogStore::NewGroupLog(GroupId group, GroupState state) const {
  return std::make_shared<GroupLog>(group, std::move(state), &segments_, &snapshots_,
                                    options_.cache_bytes_per_group);
}

std::shared_ptr<GroupLog> LogStore::FindGroup(GroupId group) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = groups_.find(group);
  return it == groups_.end() ? nullptr : it->second;
}

std::shared_ptr<GroupLog> LogStore::FindOrCreateGroup(GroupId group) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<GroupLog>& slot = groups_[group];
  if (slot == nullptr) slot = NewGroupLog(group, GroupState{});
  return slot;
}

std::shared_ptr<GroupLog> LogStore::Group(GroupId group) { return FindOrCreateGroup(group); }

std::vector<GroupId> LogStore::Groups() const {
  std::vector<std::shared_ptr<GroupLog>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, group] : groups_) all.push_back(group);
  }
  std::vector<GroupId> ids;
  for (const auto& group : all) {
    if (group->HasRecords()) ids.push_back(group->id());
  }
  return ids;
}

LogStoreStats LogStore::stats() const {
  LogStoreStats out;
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    out = stats_;
  }
  out.segments = segments_.Seqs().size();
  return out;
}

Status LogStore::Write(WriteBatch batch) {
  if (std::this_thread::get_id() == writer_id_.load()) {
    return FailedPreconditionError("LogStore::Write called from a completion callback");
  }
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  WriteAsync(std::move(batch), [&promise](Status status) { promise.set_value(std::move(status)); });
  return future.get();
}

void LogStore::WriteAsync(WriteBatch batch, Callback done) {
  auto pending = std::make_unique<Pending>();
  pending->payloads.resize(batch.writes().size());
  pending->bytes = batch.ApproximateBytes();
  pending->done = std::move(done);
  if (pending->bytes > kMaxBatchBytes) {
    pending->failed_early = true;
    pending->status = InvalidArgumentError("batch of " + Str(pending->bytes) +
                                           " bytes exceeds the limit of " + Str(kMaxBatchBytes));
    Enqueue(std::move(pending));
    return;
  }
  // Payload files are written here, on the caller's thread, so the writer never waits for them.
  std::vector<GroupWrite>& writes = batch.mutable_writes();
  for (size_t i = 0; i < writes.size(); ++i) {
    GroupWrite& w = writes[i];
    if (!w.snapshot || w.snapshot->data.empty() || w.remove) continue;
    Result<SnapshotRef> ref = snapshots_.Write(w.group, w.snapshot->data);
    if (!ref.ok()) {
      pending->batch = std::move(batch);
      DropPayloads(*pending);
      pending->failed_early = true;
      pending->poison = true;
      pending->status =
          ref.status().WithContext("write the snapshot payload of group " + Str(w.group));
      Enqueue(std::move(pending));
      return;
    }
    pending->payloads[i] = *ref;
    w.snapshot->data = std::string();
  }
  pending->batch = std::move(batch);
  Enqueue(std::move(pending));
}

Status LogStore::CollectGarbage() {
  if (std::this_thread::get_id() == writer_id_.load()) {
    return FailedPreconditionError("LogStore::CollectGarbage called from a completion callback");
  }
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  auto pending = std::make_unique<Pending>();
  pending->gc = true;
  pending->done = [&promise](Status status) { promise.set_value(std::move(status)); };
  Enqueue(std::move(pending));
  return future.get();
}

void LogStore::Enqueue(std::unique_ptr<Pending> pending) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(pending));
  }
  cv_.notify_one();
  if (options_.on_enqueue) options_.on_enqueue();
}

void LogStore::DropPayloads(const Pending& pending) {
  for (size_t i = 0; i < pending.payloads.size(); ++i) {
    if (pending.payloads[i].payload_id == 0) continue;
    GroupId group = pending.batch.writes()[i].group;
    Status s = snapshots_.Remove(group, pending.payloads[i].payload_id);
    if (!s.ok())
      log::Get("raft")->warn("op=DropSnapshotPayload group={} err=\"{}\"", group, s.ToString());
  }
}

void LogStore::WriterLoop() {
  SetThreadName("raft-log");
  writer_id_.store(std::this_thread::get_id());
  for (;;) {
    std::vector<std::unique_ptr<Pending>> round;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) break;
      round = TakeRound();
    }
    if (round.front()->failed_early) {
      if (round.front()->poison && error_.ok()) {
        log::Get("raft")->error("op=WriteLog dir={} err=\"{}\"", options_.dir,
                                round.front()->status.ToString());
        error_ = round.front()->status;
      }
      round.front()->done(round.front()->status);
      continue;
    }
    if (round.front()->gc) {
      Status status = error_;
      if (status.ok()) {
        status = CollectGarbageNow();
        if (!status.ok()) error_ = status;
      }
      round.front()->done(status);
      continue;
    }
    ProcessRound(round);
    // Collected before completing the round, so that a writer's next batch never races it (and
    // the sequence of file operations is the same on every run, which crash tests replay).
    if (rolled_ && error_.ok()) {
      Status status = CollectGarbageNow();
      if (!status.ok()) {
        log::Get("raft")->error("op=CollectGarbage dir={} err=\"{}\"", options_.dir,
                                status.ToString());
        error_ = status;
      }
    }
    for (const auto& pending : round) pending->done(pending->status);
  }
}

std::vector<std::unique_ptr<LogStore::Pending>> LogStore::TakeRound() {
  std::vector<std::unique_ptr<Pending>> round;
  auto alone = [](const Pending& p) { return p.gc || p.failed_early; };
  if (alone(*queue_.front())) {
    round.push_back(std::move(queue_.front()));
    queue_.pop_front();
    return round;
  }
  std::unordered_set<GroupId> groups;
  uint64_t bytes = 0;
  while (!queue_.empty() && !alone(*queue_.front())) {
    const Pending& next = *queue_.front();
    if (!round.empty()) {
      if (bytes + next.bytes > options_.max_round_bytes) break;
      bool clash = false;
      for (const GroupWrite& w : next.batch.writes()) clash = clash || groups.contains(w.group);
      if (clash) break;  // validated against the durable state only: one batch per group
    }
    for (const GroupWrite& w : next.batch.writes()) groups.insert(w.group);
    bytes += next.bytes;
    round.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return round;
}

void LogStore::ProcessRound(const std::vector<std::unique_ptr<Pending>>& round) {
  if (!error_.ok()) {
    for (const auto& pending : round) {
      pending->status = Status(error_.code(), "log store failed earlier: " + error_.message());
      DropPayloads(*pending);
    }
    return;
  }
  wal::BeginFrame(&frame_);
  std::vector<Pending*> accepted;
  uint64_t rejected = 0;
  for (const auto& pending : round) {
    Status status = EncodeBatch(*pending, &frame_);
    if (!status.ok()) {
      pending->status = status;
      DropPayloads(*pending);
      ++rejected;
      continue;
    }
    accepted.push_back(pending.get());
  }
  if (frame_.size() > wal::kFrameHeaderSize) {
    wal::FinishFrame(&frame_);
    Result<std::pair<uint64_t, uint64_t>> pos = AppendFrame(frame_, options_.sync);
    Status status = pos.status();
    if (status.ok()) {
      std::map<GroupId, std::vector<Entry>> appended;
      for (Pending* pending : accepted) {
        for (GroupWrite& w : pending->batch.mutable_writes()) {
          if (!w.entries.empty()) appended[w.group] = std::move(w.entries);
        }
      }
      status = ApplyFrame(frame_, pos->first, pos->second, std::move(appended));
    }
    if (!status.ok()) {
      log::Get("raft")->error("op=WriteLog dir={} err=\"{}\"", options_.dir, status.ToString());
      error_ = status;
      for (Pending* pending : accepted) pending->status = status;
      return;
    }
    if (options_.sync) FlushPayloadDeletes();
  }
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.batches += accepted.size();
  stats_.rejected += rejected;
  if (frame_.size() > wal::kFrameHeaderSize) ++stats_.rounds;
}

Status LogStore::EncodeBatch(const Pending& pending, std::string* frame) {
  const std::vector<GroupWrite>& writes = pending.batch.writes();
  std::vector<WritePlan> plans;
  for (const GroupWrite& w : writes) {
    std::shared_ptr<GroupLog> group = FindGroup(w.group);
    static const GroupState kEmpty;
    CURVE_ASSIGN_OR_RETURN(WritePlan plan, PlanGroupWrite(group ? group->state() : kEmpty, w));
    plans.push_back(plan);
  }
  for (size_t i = 0; i < writes.size(); ++i) {
    const GroupWrite& w = writes[i];
    if (w.remove) {
      wal::EncodeRemoveGroup(frame, w.group);
      continue;
    }
    if (w.snapshot) {
      SnapshotRef ref = pending.payloads[i];
      ref.meta = w.snapshot->meta;
      wal::EncodeSnapshot(frame, w.group, ref, w.install_snapshot);
    }
    for (size_t lo = 0; lo < w.entries.size();) {
      size_t hi = lo;
      uint64_t bytes = 0;
      while (hi < w.entries.size() &&
             (hi == lo || bytes + w.entries[hi].ByteSize() <= kMaxEntriesRecordBytes)) {
        bytes += w.entries[hi].ByteSize();
        ++hi;
      }
      wal::EncodeEntries(frame, wal::RecordType::kEntries, w.group, &w.entries[lo], hi - lo);
      lo = hi;
    }
    if (w.hard_state) wal::EncodeHardState(frame, w.group, *w.hard_state);
    if (plans[i].compact) wal::EncodeCompact(frame, w.group, *plans[i].compact);
  }
  return Status::Ok();
}

Result<std::pair<uint64_t, uint64_t>> LogStore::AppendFrame(const std::string& frame, bool sync) {
  if (active_size_ > wal::kSegmentHeaderSize &&
      active_size_ + frame.size() > options_.segment_bytes) {
    CURVE_RETURN_IF_ERROR(Roll());
  }
  uint64_t offset = active_size_;
  uint64_t end = offset + frame.size();
  std::string path = segments_.PathOf(active_seq_);
  if (end > zeroed_until_) {
    // Frames then overwrite blocks that already exist, so their fdatasync flushes data only,
    // without a file-system journal commit for a new size (which costs milliseconds).
    uint64_t target = std::max(end, std::min(options_.segment_bytes, end + kZeroFillAhead));
    static const std::string kZeros(1 << 20, '\0');
    for (uint64_t at = end; at < target;) {
      uint64_t n = std::min<uint64_t>(kZeros.size(), target - at);
      CURVE_RETURN_IF_ERROR(
          active_->Write(at, std::string_view(kZeros.data(), n)).WithContext("zero-fill " + path));
      at += n;
    }
    zeroed_until_ = target;
  }
  CURVE_RETURN_IF_ERROR(active_->Write(offset, frame).WithContext("append to " + path));
  active_size_ = end;
  if (sync) CURVE_RETURN_IF_ERROR(active_->Sync().WithContext("sync " + path));
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.bytes_written += frame.size();
  if (sync) ++stats_.syncs;
  return std::make_pair(active_seq_, offset);
}

Status LogStore::CreateSegment(uint64_t seq) {
  std::string path = segments_.PathOf(seq);
  std::string what = "create segment " + path;
  CURVE_ASSIGN_OR_RETURN(std::unique_ptr<fs::File> opened,
                         fs_->Open(path, fs::OpenOptions{.create = true}));
  std::shared_ptr<fs::File> file = std::move(opened);
  std::string header =
      wal::EncodeSegmentHeader({seq, options_.sync ? wal::kStrictSync : uint32_t{0}});
  CURVE_RETURN_IF_ERROR(file->Truncate(0).WithContext(what));
  CURVE_RETURN_IF_ERROR(file->Write(0, header).WithContext(what));
  CURVE_RETURN_IF_ERROR(file->Sync().WithContext(what));
  CURVE_RETURN_IF_ERROR(fs_->SyncDir(options_.dir).WithContext(what));
  segments_.Add(seq, file);
  active_ = std::move(file);
  active_seq_ = seq;
  active_size_ = header.size();
  zeroed_until_ = active_size_;
  return Status::Ok();
}

Status LogStore::TrimActive() {
  std::string path = segments_.PathOf(active_seq_);
  if (zeroed_until_ > active_size_) {
    CURVE_RETURN_IF_ERROR(active_->Truncate(active_size_).WithContext("trim " + path));
    zeroed_until_ = active_size_;
  }
  CURVE_RETURN_IF_ERROR(active_->Sync().WithContext("sync " + path));
  std::lock_guard<std::mutex> lock(stats_mu_);
  ++stats_.syncs;
  return Status::Ok();
}

Status LogStore::Roll() {
  CURVE_RETURN_IF_ERROR(TrimActive());  // only the last segment may end in zeros
  CURVE_RETURN_IF_ERROR(CreateSegment(active_seq_ + 1));
  rolled_ = true;
  FlushPayloadDeletes();  // every earlier frame is durable now
  return Status::Ok();
}

Status LogStore::ApplyFrame(const std::string& frame, uint64_t seq, uint64_t offset,
                            std::map<GroupId, std::vector<Entry>> appended) {
  std::string_view payload(frame.data() + wal::kFrameHeaderSize,
                           frame.size() - wal::kFrameHeaderSize);
  std::string_view in = payload;
  std::map<GroupId, std::vector<GroupLog::LocatedRecord>> per_group;
  std::vector<GroupId> removed;
  while (!in.empty()) {
    uint64_t at = offset + wal::kFrameHeaderSize + (payload.size() - in.size());
    CURVE_ASSIGN_OR_RETURN(wal::RecordView view, wal::ReadRecord(&in));
    CURVE_ASSIGN_OR_RETURN(wal::LogRecord record, wal::DecodeRecord(view.type, view.body));
    if (record.type == wal::RecordType::kRemoveGroup) {
      removed.push_back(record.group);
      continue;
    }
    GroupId id = record.group;
    per_group[id].push_back(GroupLog::LocatedRecord{
        std::move(record), seq, static_cast<uint32_t>(at), static_cast<uint32_t>(view.size)});
  }
  for (auto& [id, records] : per_group) {
    std::shared_ptr<GroupLog> group = FindOrCreateGroup(id);
    uint64_t old_payload = group->state().snapshot.payload_id;
    std::vector<Entry> entries;
    if (auto it = appended.find(id); it != appended.end()) entries = std::move(it->second);
    CURVE_RETURN_IF_ERROR(group->Apply(records, std::move(entries)));
    if (old_payload != 0 && old_payload != group->state().snapshot.payload_id) {
      payload_deletes_.emplace_back(id, old_payload);
    }
  }
  for (GroupId id : removed) {
    std::shared_ptr<GroupLog> group = FindGroup(id);
    if (group == nullptr) continue;
    if (uint64_t payload = group->state().snapshot.payload_id; payload != 0) {
      payload_deletes_.emplace_back(id, payload);
    }
    group->Reset();
    std::lock_guard<std::mutex> lock(mu_);
    groups_.erase(id);
  }
  return Status::Ok();
}

void LogStore::FlushPayloadDeletes() {
  for (const auto& [group, id] : payload_deletes_) {
    Status s = snapshots_.Remove(group, id);
    if (!s.ok())
      log::Get("raft")->warn("op=RemoveSnapshotPayload group={} err=\"{}\"", group, s.ToString());
  }
  payload_deletes_.clear();
}

}  // namespace curve::raft
