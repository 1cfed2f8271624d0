#pragma once

// Driver: one thread driving a set of replicas (raft groups) through their Ready cycles.
//
// Each pass: take the messages, tasks and write completions posted since the last pass and feed
// them to the replicas; tick every replica when the tick interval has elapsed; then, for every
// replica with a Ready (and none outstanding) at once:
//   1. send the messages allowed before persisting (a leader's appends leave while it syncs);
//   2. queue everything that must be durable as ONE LogStore batch (WriteAsync). The store's
//      writer thread syncs it, together with whatever else is queued then (group commit: one
//      fdatasync for many groups and drivers), while this thread goes on stepping messages and
//      preparing the next batch: the driver never waits for the disk;
//   3. once the batch is durable, send the messages that depended on it (votes,
//      acknowledgements): the store's completion sends them at once, then posts back here;
//   4. apply committed entries, serve reads, complete requests, Advance.
// Replicas whose Ready needs no sync go from 1 to 3 at once. Messages of all replicas for the
// same peer leave in one Transport::Send, hence one frame: a tick that produces a hundred
// heartbeats for a peer produces one frame.
//
// Thread-safety: Post and PostMessages are thread-safe; everything else runs on the driver
// thread (tasks are how other threads reach the replicas), except the Transport::Send of step 3
// on the store's writer thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
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
  // Received messages beyond `max_inbox_bytes` waiting for the thread are dropped (raft
  // tolerates loss; the senders retry), so a stalled driver cannot grow memory without bound.
  Driver(int index, std::chrono::milliseconds tick_interval, Transport* transport, LogStore* store,
         uint64_t max_inbox_bytes = 256ull << 20);
  ~Driver();  // Stop

  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  void Start();
  // Runs the tasks still queued, waits for the batches being written, fails every waiting
  // request with Unavailable, writes the replicas' pending commit indexes, and joins the thread.
  // Later Posts are refused.
  void Stop();

  // Runs `task` on the driver thread. False (task dropped) once stopping.
  bool Post(std::function<void()> task);
  // Delivers received messages to their replicas; those of unknown groups are dropped, and so
  // are all but snapshots while the inbox is full.
  void PostMessages(std::vector<GroupMessage> messages);
  uint64_t dropped_messages() const { return dropped_.load(std::memory_order_relaxed); }

  bool OnDriverThread() const { return std::this_thread::get_id() == thread_.get_id(); }

  // ---- Driver thread only. ----
  void AddReplica(std::shared_ptr<Replica> replica);
  // Removes the replica after failing its requests with `status`.
  void RemoveReplica(GroupId group, const Status& status);
  Replica* Find(GroupId group);
  // Find, for a caller about to change the replica's core: the next pass looks for its Ready.
  // Only replicas touched (or ticked, or finishing a Ready) since the last pass are looked at.
  Replica* Touch(GroupId group);
  // The status of every replica.
  std::vector<GroupStatus> Statuses() const;

 private:
  // A batch queued with WriteAsync and the replicas whose Readys it holds.
  struct InFlight {
    uint64_t id = 0;
    std::vector<std::shared_ptr<Replica>> replicas;
  };

  void Run();
  // Takes the Readys of every replica that has one, sends, queues the batch and finishes the
  // Readys that need no sync. Returns whether some replica has another Ready waiting already.
  bool ProcessReadies();
  // Steps 3 and 4 for `replicas`, whose Readys are durable.
  void Finish(const std::vector<Replica*>& replicas);
  // The write of batch `id` completed (in queue order).
  void OnPersisted(uint64_t id, const Status& status);
  void SendAll(Outbox* outbox);

  const int index_;
  const std::chrono::milliseconds tick_interval_;
  Transport* const transport_;
  LogStore* const store_;
  const uint64_t max_inbox_bytes_;
  std::atomic<uint64_t> dropped_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                     // guarded by mu_
  std::vector<std::function<void()>> tasks_;  // guarded by mu_
  std::vector<GroupMessage> messages_;        // guarded by mu_
  uint64_t inbox_bytes_ = 0;                  // of messages_; guarded by mu_
  // Completed writes (batch id, outcome), posted by the store's writer thread; guarded by mu_.
  std::vector<std::pair<uint64_t, Status>> persisted_;
  std::thread thread_;

  // Driver thread only.
  std::unordered_map<GroupId, std::shared_ptr<Replica>> replicas_;
  std::deque<InFlight> in_flight_;  // queued writes, oldest first
  std::vector<Replica*> touched_;   // replicas that may have a Ready, each once
  uint64_t next_batch_ = 1;
};

}  // namespace curve::raft
