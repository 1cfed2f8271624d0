#pragma once

// RegisterMachine: the state machine the simulator replicates. A single register with read,
// write and compare-and-set, plus a hash chain over every applied entry, so two replicas that
// applied different sequences (or the same ones in another order) are told apart at once.

#include <cstdint>
#include <optional>
#include <string>

#include "raft/core/types.h"

namespace curve::raft::testing {

enum class RegisterOpKind : uint8_t { kWrite, kCas, kNop };

// A write or CAS as carried in an entry: `id` identifies the client operation.
struct RegisterOp {
  uint64_t id = 0;
  RegisterOpKind kind = RegisterOpKind::kNop;
  std::string arg1;  // write: the value; cas: the expected value
  std::string arg2;  // cas: the new value
};

std::string EncodeRegisterOp(const RegisterOp& op);
std::optional<RegisterOp> DecodeRegisterOp(const std::string& data);

class RegisterMachine {
 public:
  struct Applied {
    uint64_t op_id = 0;  // 0 for entries that carry no client operation
    bool cas_succeeded = false;
  };

  // Applies the next entry (index must be applied_index() + 1).
  Applied Apply(const Entry& entry);

  // The state after a snapshot, as encoded by Encode.
  static std::optional<RegisterMachine> Decode(const SnapshotMeta& meta, const std::string& data);
  std::string Encode() const;

  Index applied_index() const { return applied_index_; }
  uint64_t hash() const { return hash_; }
  const std::string& value() const { return value_; }
  const Configuration& config() const { return config_; }

  // A machine at a bootstrap snapshot.
  static RegisterMachine Initial(const SnapshotMeta& meta);

 private:
  Index applied_index_ = 0;
  uint64_t hash_ = 0;
  std::string value_;
  Configuration config_;
};

// One step of the hash chain; exposed so the checker can extend its global chain.
uint64_t ChainHash(uint64_t previous, const Entry& entry);

}  // namespace curve::raft::testing
