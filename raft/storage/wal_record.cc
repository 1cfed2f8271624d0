#include "raft/storage/wal_record.h"

#include "raft/core/codec.h"
#include "raft/core/configuration.h"
#include "raft/storage/wal_format.h"

namespace curve::raft::wal {
namespace {

bool GetFixed32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  *v = DecodeFixed32(in->data());
  in->remove_prefix(4);
  return true;
}

bool GetBytes(std::string_view* in, std::string_view* v) {
  uint64_t n = 0;
  if (!GetVarint(in, &n) || in->size() < n) return false;
  *v = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

Status Malformed(std::string_view what) {
  return DataLossError("malformed " + std::string(what) + " record");
}

}  // namespace

void EncodeEntries(std::string* out, RecordType type, GroupId group, const Entry* entries,
                   size_t count) {
  size_t rec = BeginRecord(out, static_cast<uint8_t>(type));
  PutVarint(out, group);
  PutVarint(out, count == 0 ? 0 : entries[0].index);
  PutVarint(out, count);
  for (size_t i = 0; i < count; ++i) {
    PutVarint(out, entries[i].term);
    out->push_back(static_cast<char>(entries[i].type));
    PutVarint(out, entries[i].data.size());
    out->append(entries[i].data);
  }
  FinishRecord(out, rec);
}

void EncodeHardState(std::string* out, GroupId group, const HardState& hard_state) {
  size_t rec = BeginRecord(out, static_cast<uint8_t>(RecordType::kHardState));
  PutVarint(out, group);
  PutVarint(out, hard_state.term);
  PutVarint(out, hard_state.vote);
  PutVarint(out, hard_state.commit);
  FinishRecord(out, rec);
}

void EncodeSnapshot(std::string* out, GroupId group, const SnapshotRef& snapshot, bool install) {
  size_t rec = BeginRecord(out, static_cast<uint8_t>(RecordType::kSnapshot));
  PutVarint(out, group);
  out->push_back(install ? 1 : 0);
  PutVarint(out, snapshot.meta.index);
  PutVarint(out, snapshot.meta.term);
  std::string config = EncodeConfiguration(snapshot.meta.config);
  PutVarint(out, config.size());
  out->append(config);
  PutVarint(out, snapshot.payload_id);
  PutVarint(out, snapshot.payload_size);
  PutFixed32(out, snapshot.payload_crc);
  FinishRecord(out, rec);
}

void EncodeCompact(std::string* out, GroupId group, EntryId point) {
  size_t rec = BeginRecord(out, static_cast<uint8_t>(RecordType::kCompact));
  PutVarint(out, group);
  PutVarint(out, point.index);
  PutVarint(out, point.term);
  FinishRecord(out, rec);
}

void EncodeRemoveGroup(std::string* out, GroupId group) {
  size_t rec = BeginRecord(out, static_cast<uint8_t>(RecordType::kRemoveGroup));
  PutVarint(out, group);
  FinishRecord(out, rec);
}

Result<LogRecord> DecodeRecord(uint8_t type, std::string_view body) {
  LogRecord r;
  r.type = static_cast<RecordType>(type);
  if (!GetVarint(&body, &r.group)) return Malformed("record group of a");
  switch (r.type) {
    case RecordType::kEntries:
    case RecordType::kMovedEntries:
      if (!GetVarint(&body, &r.first_index) || !GetVarint(&body, &r.count)) {
        return Malformed("entries");
      }
      r.entries = body;
      return r;
    case RecordType::kHardState:
      if (!GetVarint(&body, &r.hard_state.term) || !GetVarint(&body, &r.hard_state.vote) ||
          !GetVarint(&body, &r.hard_state.commit) || !body.empty()) {
        return Malformed("hard state");
      }
      return r;
    case RecordType::kSnapshot: {
      std::string_view config;
      if (body.empty()) return Malformed("snapshot");
      r.install = body[0] != 0;
      body.remove_prefix(1);
      if (!GetVarint(&body, &r.snapshot.meta.index) || !GetVarint(&body, &r.snapshot.meta.term) ||
          !GetBytes(&body, &config) || !GetVarint(&body, &r.snapshot.payload_id) ||
          !GetVarint(&body, &r.snapshot.payload_size) ||
          !GetFixed32(&body, &r.snapshot.payload_crc) || !body.empty()) {
        return Malformed("snapshot");
      }
      Result<Configuration> decoded = DecodeConfiguration(std::string(config));
      if (!decoded.ok()) return Malformed("snapshot configuration in a");
      r.snapshot.meta.config = std::move(decoded).value();
      return r;
    }
    case RecordType::kCompact:
      if (!GetVarint(&body, &r.compact.index) || !GetVarint(&body, &r.compact.term) ||
          !body.empty()) {
        return Malformed("compact");
      }
      return r;
    case RecordType::kRemoveGroup:
      if (!body.empty()) return Malformed("remove group");
      return r;
  }
  return DataLossError("unknown record type " + std::to_string(type));
}

Status ForEachEntry(const LogRecord& record, const std::function<void(const EntryView&)>& fn) {
  std::string_view in = record.entries;
  for (uint64_t i = 0; i < record.count; ++i) {
    EntryView e;
    e.index = record.first_index + i;
    if (!GetVarint(&in, &e.term) || in.empty()) return Malformed("entries");
    auto type = static_cast<uint8_t>(in[0]);
    if (type > static_cast<uint8_t>(EntryType::kNoop)) return Malformed("entries");
    e.type = static_cast<EntryType>(type);
    in.remove_prefix(1);
    if (!GetBytes(&in, &e.data)) return Malformed("entries");
    fn(e);
  }
  if (!in.empty()) return Malformed("entries");
  return Status::Ok();
}

}  // namespace curve::raft::wal
