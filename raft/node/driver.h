#pragma once

// Driver: one thread driving a set of replicas (raft groups) through their Ready cycles.
//
// Each pass: take the messages and tasks posted since the last pass and feed them to the
// replicas; tick every replica when the tick interval has elapsed; then, for every replica with a
// Ready at once:
//   1. send the messages allowed before persisting (a leader's appends leave while it syncs);
//   2. write everything that must be durable in ONE LogStore batch (group commit: one fdatasync
//      for all of this driver's groups, shared further with the other drivers by the store);
//   3. send the messages that depended on it (votes, acknowledgements);
//   4. apply committed entries, serve reads, complete requests, Advance.
// Messages of all replicas for the same peer leave in one Transport::Send, hence one frame: a
// tick that produces a hundred heartbeats for a peer produces one frame.
//
// Thread-safety: Post and PostMessages are thread-safe; everything else runs on the driver
// thread (tasks are how other threads reach the replicas).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "raft/node/replica.h"
#include "raft/storage/log_store.h"
#include "raft/transport/transport.h"

namespace curve::raft {

class Driver {
 public:
  Driver(int index, std::chrono::milliseconds tick_interval, Transport* transport, LogStore* store);
  ~Driver();  // Stop

  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  void Start();
  // Runs the tasks still queued, fails every waiting request with Unavailable, writes the
  // replicas' pending commit indexes, and joins the thread. Later Posts are refused.
  void Stop();

  // Runs `task` on the driver thread. False (task dropped) once stopping.
  bool Post(std::function<void()> task);
  // Delivers received messages to their replicas; those of unknown groups are dropped.
  void PostMessages(std::vector<GroupMessage> messages);

  bool OnDriverThread() const { return std::this_thread::get_id() == thread_.get_id(); }

  // ---- Driver thread only. ----
  void AddReplica(std::shared_ptr<Replica> replica);
  // Removes the replica after failing its requests with `status`.
  void RemoveReplica(GroupId group, const Status& status);
  Replica* Find(GroupId group);

 private:
  void Run();
  // One round of Ready processing over every replica; returns whether some replica has another
  // Ready waiting already.
  bool ProcessReadies();
  void SendAll(Outbox* outbox);

  const int index_;
  const std::chrono::milliseconds tick_interval_;
  Transport* const transport_;
  LogStore* const store_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                     // guarded by mu_
  std::vector<std::function<void()>> tasks_;  // guarded by mu_
  std::vector<GroupMessage> messages_;        // guarded by mu_
  std::thread thread_;

  // Driver thread only.
  std::unordered_map<GroupId, std::shared_ptr<Replica>> replicas_;
  std::vector<Replica*> readied_;
};

}  // namespace curve::raft
