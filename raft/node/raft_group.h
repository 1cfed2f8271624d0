#pragma once

// RaftGroup: the application's handle on one raft group hosted by a RaftServer.
//
// Every request is asynchronous and completes exactly once through its callback, which runs on
// the group's driver thread (keep it short; it may issue further requests). Errors are those of
// raft/node/errors.h: NotLeader (FailedPrecondition with the leader's id and address), Aborted
// (the entry lost to another leader), Unavailable (leader change or shutdown in progress),
// DeadlineExceeded / Unknown (outcome unknown), plus the core's own (ResourceExhausted when too
// much is uncommitted; AlreadyExists/NotFound for a no-op membership change).
//
// Thread-safety: all methods are thread-safe. A handle stays usable after its group is removed
// or the server shut down; requests then fail with Unavailable.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "raft/node/group_status.h"
#include "raft/node/replica.h"

namespace curve::raft {

class Driver;

// One membership change. A replacement adds `node` and, once that is committed, removes
// `old_node`: the group never has fewer than its usual number of voters.
struct PeerChange {
  enum class Kind { kAdd, kRemove, kReplace };
  Kind kind = Kind::kAdd;
  NodeId node = kNoNode;      // added (kAdd, kReplace) or removed (kRemove)
  std::string address;        // the added node's "host:port"; may be empty if already known
  NodeId old_node = kNoNode;  // kReplace: the member leaving
};

class RaftGroup : public std::enable_shared_from_this<RaftGroup> {
 public:
  // Made by RaftServer::CreateGroup, always owned by a shared_ptr.
  RaftGroup(GroupId id, std::shared_ptr<Driver> driver, std::shared_ptr<Replica> replica,
            std::function<void(NodeId, const std::string&)> set_peer_address);

  GroupId id() const { return id_; }

  // Replicates `data`; completes with its log index once committed and applied on this node.
  void Propose(std::string data, IndexCallback done);
  // Propose for each of `proposals` in order, handed to the driver at once: they join the same
  // Ready, hence one append per follower and one log write for all of them.
  void ProposeAll(std::vector<std::pair<std::string, IndexCallback>> proposals);

  // Completes (with the index it waited for) once this node's state machine reflects every
  // entry committed before the call: reads of local state in the callback, or after it, are
  // linearizable. ReadIndex or leader lease, as the group's RaftOptions::read_mode says.
  void ReadBarrier(IndexCallback done);

  // Hands leadership to `target`; completes once the transfer started (watch GetStatus for the
  // outcome; the attempt is abandoned after an election timeout).
  void TransferLeader(NodeId target, std::function<void(Status)> done);

  // Changes membership by one voter; completes with the index of the (last) configuration entry
  // once committed and applied here.
  void ChangePeers(const PeerChange& change, IndexCallback done);

  // Starts an election now (tests and tools).
  void Campaign(std::function<void(Status)> done);

  // A snapshot of the group's state on this node. Blocks until the driver answers; must not be
  // called from inside a callback of another group's driver (a callback of this group is fine).
  Result<GroupStatus> GetStatus(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  // Runs `task` on the driver with the replica, or calls `fail` when the driver refused it.
  void Run(std::function<void(Replica*)> task, std::function<void(Status)> fail);

  const GroupId id_;
  std::shared_ptr<Driver> driver_;
  std::shared_ptr<Replica> replica_;
  std::function<void(NodeId, const std::string&)> set_peer_address_;
};

}  // namespace curve::raft
