#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/etcd/types.h"
#include "common/status.h"

namespace curve::etcd {

class Connection;

// A running watch; see EtcdClient::Watch for the delivery contract. Callbacks run on the
// watcher's own thread, one at a time, and never after the destructor returns.
class Watcher {
 public:
  Watcher(std::shared_ptr<Connection> connection, std::string key, WatchOptions options,
          std::function<void(const std::vector<WatchEvent>&)> on_events,
          std::function<void(const Status&)> on_error);
  ~Watcher();

  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Blocks until etcd has confirmed the watch (changes from then on are delivered) or the
  // timeout passes. Returns whether it was confirmed.
  bool WaitUntilCreated(std::chrono::milliseconds timeout);

  // The revision of the newest event delivered, 0 before the first.
  int64_t last_revision() const;
  // How many times the stream was re-established after breaking.
  int reconnects() const;

 private:
  struct State;
  void Run();

  std::shared_ptr<Connection> connection_;
  std::string key_;
  WatchOptions options_;
  std::function<void(const std::vector<WatchEvent>&)> on_events_;
  std::function<void(const Status&)> on_error_;
  std::unique_ptr<State> state_;
  std::thread thread_;
};

}  // namespace curve::etcd
