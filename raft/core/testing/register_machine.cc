#include "raft/core/testing/register_machine.h"

#include "raft/core/check.h"
#include "raft/core/codec.h"
#include "raft/core/configuration.h"

namespace curve::raft::testing {

namespace {

void PutString(std::string* out, const std::string& s) {
  PutVarint(out, s.size());
  *out += s;
}

bool GetString(std::string_view* in, std::string* s) {
  uint64_t n = 0;
  if (!GetVarint(in, &n) || n > in->size()) return false;
  s->assign(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

}  // namespace

uint64_t ChainHash(uint64_t previous, const Entry& entry) {
  uint64_t h = Mix(previous, entry.index);
  h = Mix(h, static_cast<uint64_t>(entry.type));
  for (char c : entry.data) h = Mix(h, static_cast<unsigned char>(c));
  return h;
}

std::string EncodeRegisterOp(const RegisterOp& op) {
  std::string out;
  PutVarint(&out, op.id);
  PutVarint(&out, static_cast<uint64_t>(op.kind));
  PutString(&out, op.arg1);
  PutString(&out, op.arg2);
  return out;
}

std::optional<RegisterOp> DecodeRegisterOp(const std::string& data) {
  std::string_view in(data);
  RegisterOp op;
  uint64_t kind = 0;
  if (!GetVarint(&in, &op.id) || !GetVarint(&in, &kind) || kind > 2 || !GetString(&in, &op.arg1) ||
      !GetString(&in, &op.arg2) || !in.empty()) {
    return std::nullopt;
  }
  op.kind = static_cast<RegisterOpKind>(kind);
  return op;
}

RegisterMachine RegisterMachine::Initial(const SnapshotMeta& meta) {
  RegisterMachine m;
  m.applied_index_ = meta.index;
  m.config_ = meta.config;
  return m;
}

RegisterMachine::Applied RegisterMachine::Apply(const Entry& entry) {
  CURVE_RAFT_CHECK(entry.index == applied_index_ + 1)
      << "applying " << entry.index << " after " << applied_index_;
  applied_index_ = entry.index;
  hash_ = ChainHash(hash_, entry);
  Applied result;
  if (entry.type == EntryType::kConfChange) {
    config_ = DecodeConfChangeEntry(entry.data)->result;
  } else if (entry.type == EntryType::kNormal) {
    std::optional<RegisterOp> op = DecodeRegisterOp(entry.data);
    CURVE_RAFT_CHECK(op.has_value()) << "undecodable entry " << entry.index;
    result.op_id = op->id;
    if (op->kind == RegisterOpKind::kWrite) {
      value_ = op->arg1;
    } else if (op->kind == RegisterOpKind::kCas && value_ == op->arg1) {
      value_ = op->arg2;
      result.cas_succeeded = true;
    }
  }
  return result;
}

std::string RegisterMachine::Encode() const {
  std::string out;
  PutVarint(&out, applied_index_);
  PutVarint(&out, hash_);
  PutString(&out, value_);
  return out;
}

std::optional<RegisterMachine> RegisterMachine::Decode(const SnapshotMeta& meta,
                                                       const std::string& data) {
  RegisterMachine m = Initial(meta);
  if (data.empty()) return m;  // bootstrap snapshot
  std::string_view in(data);
  Index index = 0;
  if (!GetVarint(&in, &index) || !GetVarint(&in, &m.hash_) || !GetString(&in, &m.value_) ||
      !in.empty() || index != meta.index) {
    return std::nullopt;
  }
  return m;
}

}  // namespace curve::raft::testing
