#pragma once

// Heartbeat: registration with the MDS and the periodic heartbeat loop.
//
// Register() returns this disk's chunkserver id and token, persisted in
// <data_dir>/chunkserver.id ("<id> <token>") so a restart knows its raft node id before the MDS
// answers; it re-registers anyway (the MDS gives the same disk the same id).
// The loop reports every copyset (leader, term, applied index, and the raft group's applied
// configuration with its epoch = the index of its entry) and disk usage, then executes the
// orders in the reply: CreateCopysetOrder → CopysetManager::Create; ConfigChangeOrder
// REPLACE_PEER → JoinCopyset on the new member, then RaftGroup::ChangePeers (only the steps
// not done yet); TRANSFER_LEADER → RaftGroup::TransferLeader; NotMemberNotice → when the MDS's
// epoch is newer than the replica's (or the replica's own configuration excludes it),
// CopysetManager::Remove (stops the group, deletes its log and chunks).
//
// Thread-safety: Start/Stop from one thread; the loop runs on its own thread.

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "proto/mds/heartbeat.pb.h"
#include "services/chunkserver/copyset/copyset_manager.h"
#include "services/mds/client/mds_client.h"

namespace curve::chunkserver {

struct Registration {
  uint32_t id = 0;
  std::string token;
};

class Heartbeat {
 public:
  // Capacity and usage reported are the chunk space of `store` (ChunkStore::ChunkSpace).
  Heartbeat(mds::MdsClient* mds, std::string data_dir, const ChunkStore* store,
            std::chrono::milliseconds interval)
      : mds_(mds), data_dir_(std::move(data_dir)), store_(store), interval_(interval) {}
  ~Heartbeat();

  // The id recorded in the data dir, if any.
  static Result<Registration> ReadRecorded(const std::string& data_dir);
  // Registers (retrying within the MDS client's timeout) and records the answer.
  Result<Registration> Register(const mds::RegisterChunkServerRequest& request);

  void Start(Registration registration, CopysetManager* copysets, raft::RaftServer* server);
  void Stop();

  // One heartbeat now (tests; the loop calls it).
  Status Beat();

 private:
  void Loop();
  struct Reported {
    uint64_t epoch = 0;    // of the applied configuration
    bool outside = false;  // that configuration does not include this chunkserver
  };
  void Execute(const mds::HeartbeatResponse& response,
               const std::map<CopysetKey, Reported>& reported);
  void Replace(std::shared_ptr<Copyset> copyset, const mds::ConfigChangeOrder& order);
  // Joins the workers that have finished. Requires mu_.
  void ReapWorkersLocked();

  mds::MdsClient* const mds_;
  const std::string data_dir_;
  const ChunkStore* const store_;
  const std::chrono::milliseconds interval_;
  Registration registration_;
  CopysetManager* copysets_ = nullptr;
  raft::RaftServer* server_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;              // guarded by mu_
  std::set<CopysetKey> changing_;  // guarded by mu_; replacements in flight
  // Replacement workers; finished ones are joined at the next order and the rest at Stop.
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> workers_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace curve::chunkserver
