#pragma once

// CopysetManager: the copysets this chunkserver hosts, each a raft group of the process's
// RaftServer with a CopysetStateMachine over the disk's ChunkStore.
//
// The hosted copysets and the peer addresses they were created with are recorded in
// <data_dir>/copysets.list (rewritten atomically on every change) so a restart re-creates the
// groups before the MDS is reachable; each group then recovers from its own log and snapshot.
//
// Thread-safety: all methods are thread-safe; Create/Remove must not run inside raft callbacks.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "raft/node/raft_server.h"
#include "services/chunkserver/copyset/copyset_state_machine.h"

namespace curve::chunkserver {

struct CopysetKey {
  uint32_t logical_pool = 0;
  uint32_t copyset = 0;
  auto operator<=>(const CopysetKey&) const = default;
  raft::GroupId group() const { return (uint64_t{logical_pool} << 32) | copyset; }
  std::string Name() const { return std::to_string(logical_pool) + "." + std::to_string(copyset); }
};

struct CopysetPeer {
  raft::NodeId id = raft::kNoNode;
  std::string address;
};

struct CopysetOptions {
  int election_tick = 10;
  // A leader's heartbeat round every 2 ticks: still 5+ rounds per election timeout, and half
  // the idle traffic and wake-ups of a round every tick.
  int heartbeat_tick = 2;
  uint64_t snapshot_interval = 10000;
  uint64_t snapshot_keep_entries = 1000;
};

struct Copyset {
  CopysetKey key;
  std::shared_ptr<raft::RaftGroup> group;
  std::unique_ptr<CopysetStateMachine> state_machine;
};

class CopysetManager {
 public:
  CopysetManager(std::string data_dir, raft::RaftServer* server, ChunkStore* store,
                 CopysetOptions options);

  // Re-creates the copysets recorded in the data dir.
  Status Recover();

  // Hosts the copyset: as a founding member of `peers`, or (peers empty) joining an existing
  // group that will add this node. OK when hosted already.
  Status Create(const CopysetKey& key, const std::vector<CopysetPeer>& peers);
  // Stops hosting it, erases its log and deletes its chunks: those its state machine lists and
  // those written by entries still in its log (their files return to the chunk file pool).
  // Only for a replica that is no longer a member (the MDS said so): its data is gone from this
  // disk.
  Status Remove(const CopysetKey& key);

  // The hosted copyset, or nullptr. Stays valid after a Remove (requests then fail).
  std::shared_ptr<Copyset> Find(const CopysetKey& key);
  std::vector<std::shared_ptr<Copyset>> List();

 private:
  Status Host(const CopysetKey& key, const std::vector<CopysetPeer>& peers);
  Status Persist();

  const std::string data_dir_;
  raft::RaftServer* const server_;
  ChunkStore* const store_;
  const CopysetOptions options_;

  std::mutex mu_;
  std::map<CopysetKey, std::shared_ptr<Copyset>> copysets_;  // guarded by mu_
  std::map<CopysetKey, std::vector<CopysetPeer>> recorded_;  // guarded by mu_
};

}  // namespace curve::chunkserver
