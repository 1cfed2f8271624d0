#include "raft/node/testing/kv_state_machine.h"

#include <string_view>

#include "raft/core/codec.h"

namespace curve::raft {

namespace {

void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

bool GetString(std::string_view* in, std::string* s) {
  uint64_t n = 0;
  if (!GetVarint(in, &n) || n > in->size()) return false;
  s->assign(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

}  // namespace

std::string EncodePut(const std::string& key, const std::string& value) {
  std::string out;
  PutString(&out, key);
  out.append(value);
  return out;
}

void KvStateMachine::Apply(Index index, const std::string& data) {
  std::string_view in(data);
  std::string key;
  std::lock_guard<std::mutex> lock(mu_);
  if (GetString(&in, &key)) values_[key] = std::string(in);
  applied_ = index;
}

Result<std::string> KvStateMachine::SaveSnapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  PutVarint(&out, applied_);
  PutVarint(&out, values_.size());
  for (const auto& [k, v] : values_) {
    PutString(&out, k);
    PutString(&out, v);
  }
  return out;
}

Status KvStateMachine::LoadSnapshot(const SnapshotMeta& meta, const std::string& data) {
  std::string_view in(data);
  uint64_t applied = 0, count = 0;
  std::map<std::string, std::string> values;
  if (!GetVarint(&in, &applied) || !GetVarint(&in, &count)) {
    return DataLossError("kv snapshot header is malformed");
  }
  for (uint64_t i = 0; i < count; ++i) {
    std::string k, v;
    if (!GetString(&in, &k) || !GetString(&in, &v)) {
      return DataLossError("kv snapshot entry " + std::to_string(i) + " is malformed");
    }
    values.emplace(std::move(k), std::move(v));
  }
  std::lock_guard<std::mutex> lock(mu_);
  values_.swap(values);
  applied_ = meta.index;
  ++snapshots_loaded_;
  return Status::Ok();
}

void KvStateMachine::OnRoleChange(Role role, Term term, NodeId leader) {
  if (on_role_) on_role_(role, term, leader);
}

std::optional<std::string> KvStateMachine::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, std::string> KvStateMachine::Dump(Index* applied) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (applied != nullptr) *applied = applied_;
  return values_;
}

Index KvStateMachine::applied() const {
  std::lock_guard<std::mutex> lock(mu_);
  return applied_;
}

uint64_t KvStateMachine::snapshots_loaded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshots_loaded_;
}

}  // namespace curve::raft
