#include "raft/core/options.h"

#include <string>

namespace curve::raft {

Status ValidateOptions(const RaftOptions& o) {
  if (o.id == kNoNode) return InvalidArgumentError("raft option id: must be non-zero");
  if (o.election_tick < 2) {
    return InvalidArgumentError("raft option election_tick: must be >= 2, got " +
                                std::to_string(o.election_tick));
  }
  if (o.heartbeat_tick < 1 || o.heartbeat_tick >= o.election_tick) {
    return InvalidArgumentError("raft option heartbeat_tick: must be in [1, election_tick), got " +
                                std::to_string(o.heartbeat_tick));
  }
  if (o.read_mode == ReadMode::kLeaseBased && !o.check_quorum) {
    return InvalidArgumentError("raft option read_mode: lease-based reads require check_quorum");
  }
  if (o.lease_margin_ticks < 0 || o.lease_margin_ticks >= o.election_tick) {
    return InvalidArgumentError(
        "raft option lease_margin_ticks: must be in [0, election_tick), got " +
        std::to_string(o.lease_margin_ticks));
  }
  if (o.max_inflight_messages == 0) {
    return InvalidArgumentError("raft option max_inflight_messages: must be >= 1");
  }
  if (o.max_bytes_per_message == 0 || o.max_committed_bytes_per_ready == 0) {
    return InvalidArgumentError(
        "raft option max_bytes_per_message and "
        "max_committed_bytes_per_ready: must be >= 1");
  }
  return Status::Ok();
}

}  // namespace curve::raft
