#pragma once

// KvWorkload: client threads streaming puts of unique keys at a cluster of raft_test_node
// processes, following NotLeader hints, and recording each put's outcome:
//   acknowledged  - committed: must survive anything short of losing a majority's disks;
//   lost          - Aborted (overwritten by another leader): must never appear;
//   unknown       - timed out or the connection broke: may or may not appear.
// Every attempt uses a fresh key, so outcomes never mix.
//
// Thread-safety: all methods are thread-safe.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "raft/node/testing/node_process.h"

namespace curve::raft {

class KvWorkload {
 public:
  // `nodes` returns the live processes (it is called again after failures, so restarts show).
  using NodeList = std::function<std::vector<std::shared_ptr<NodeProcess>>()>;

  KvWorkload(NodeList nodes, uint64_t group, int threads, size_t value_bytes = 32);
  ~KvWorkload();  // Stop

  void Start();
  void Stop();

  size_t acked() const;
  std::map<std::string, std::string> Acknowledged() const;
  std::vector<std::string> Lost() const;
  size_t unknown() const;

 private:
  void Writer(int thread);

  NodeList nodes_;
  const uint64_t group_;
  const int threads_;
  const size_t value_bytes_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;

  mutable std::mutex mu_;
  std::map<std::string, std::string> acked_;
  std::vector<std::string> lost_;
  size_t unknown_ = 0;
};

}  // namespace curve::raft
