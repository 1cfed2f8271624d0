#include "raft/node/testing/kv_workload.h"

#include "raft/node/errors.h"

namespace curve::raft {

KvWorkload::KvWorkload(NodeList nodes, uint64_t group, int threads, size_t value_bytes)
    : nodes_(std::move(nodes)), group_(group), threads_(threads), value_bytes_(value_bytes) {}

KvWorkload::~KvWorkload() { Stop(); }

void KvWorkload::Start() {
  for (int t = 0; t < threads_; ++t) workers_.emplace_back([this, t] { Writer(t); });
}

void KvWorkload::Stop() {
  stop_ = true;
  for (auto& w : workers_) w.join();
  workers_.clear();
}

void KvWorkload::Writer(int thread) {
  NodeId target = kNoNode;
  size_t rotate = static_cast<size_t>(thread);
  for (uint64_t attempt = 0; !stop_; ++attempt) {
    std::vector<std::shared_ptr<NodeProcess>> nodes = nodes_();
    if (nodes.empty()) break;
    std::shared_ptr<NodeProcess> node;
    for (auto& n : nodes) {
      if (n->id() == target) node = n;
    }
    if (node == nullptr) node = nodes[rotate++ % nodes.size()];
    std::string key = "t" + std::to_string(thread) + "-" + std::to_string(attempt);
    std::string value = key + ":" + std::string(value_bytes_, 'v');
    Result<uint64_t> index = node->Put(group_, key, value, std::chrono::seconds(3));
    if (index.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      acked_[key] = value;
      target = node->id();
      continue;
    }
    const Status& error = index.status();
    target = kNoNode;
    if (std::optional<LeaderHint> hint = ParseNotLeader(error)) {
      target = hint->leader;  // never appended: neither acknowledged nor possible
    } else if (error.code() == StatusCode::kAborted) {
      std::lock_guard<std::mutex> lock(mu_);
      lost_.push_back(key);
    } else if (error.code() != StatusCode::kUnavailable ||
               error.message().find("connect") == std::string::npos) {
      std::lock_guard<std::mutex> lock(mu_);
      ++unknown_;  // a refused connection sent nothing; anything else may have
    }
    // Back off a little before trying another node, so a leaderless cluster is not hammered.
    if (target == kNoNode) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

size_t KvWorkload::acked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acked_.size();
}

std::map<std::string, std::string> KvWorkload::Acknowledged() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acked_;
}

std::vector<std::string> KvWorkload::Lost() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lost_;
}

size_t KvWorkload::unknown() const {
  std::lock_guard<std::mutex> lock(mu_);
  return unknown_;
}

}  // namespace curve::raft
