#include "raft/node/driver.h"

#include <cstdlib>

#include "common/logging.h"
#include "common/thread_name.h"

namespace curve::raft {

namespace {

[[noreturn]] void FatalWrite(int driver, const Status& status) {
  // Nothing this driver would send or apply next can be trusted without its log.
  auto logger = log::Get("raft");
  logger->critical("op=PersistReady driver={} err=\"{}\"", driver, status.ToString());
  logger->flush();
  std::abort();
}

uint64_t Footprint(const Message& m) {
  uint64_t bytes = sizeof(GroupMessage);
  for (const Entry& e : m.entries) bytes += e.ByteSize();
  return bytes;
}

}  // namespace

Driver::Driver(int index, std::chrono::milliseconds tick_interval, Transport* transport,
               LogStore* store, uint64_t max_inbox_bytes)
    : index_(index),
      tick_interval_(tick_interval),
      transport_(transport),
      store_(store),
      max_inbox_bytes_(max_inbox_bytes) {}

Driver::~Driver() { Stop(); }

void Driver::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Driver::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Driver::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void Driver::PostMessages(std::vector<GroupMessage> messages) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    uint64_t dropped = 0;
    for (GroupMessage& gm : messages) {
      uint64_t bytes = Footprint(gm.message);
      if (inbox_bytes_ + bytes > max_inbox_bytes_ && gm.message.type != MessageType::kSnapshot) {
        ++dropped;
        continue;
      }
      inbox_bytes_ += bytes;
      messages_.push_back(std::move(gm));
    }
    if (dropped > 0) dropped_.fetch_add(dropped, std::memory_order_relaxed);
  }
  cv_.notify_one();
}

void Driver::AddReplica(std::shared_ptr<Replica> replica) {
  GroupId id = replica->id();
  replicas_[id] = std::move(replica);
  Touch(id);
}

void Driver::RemoveReplica(GroupId group, const Status& status) {
  auto it = replicas_.find(group);
  if (it == replicas_.end()) return;
  WriteBatch ignored;  // the group's log is going away or stays as it is
  it->second->Close(status, &ignored);
  std::erase(touched_, it->second.get());
  replicas_.erase(it);
}

Replica* Driver::Find(GroupId group) {
  auto it = replicas_.find(group);
  return it == replicas_.end() ? nullptr : it->second.get();
}

Replica* Driver::Touch(GroupId group) {
  Replica* replica = Find(group);
  if (replica != nullptr && !replica->touched) {
    replica->touched = true;
    touched_.push_back(replica);
  }
  return replica;
}

std::vector<GroupStatus> Driver::Statuses() const {
  std::vector<GroupStatus> out;
  out.reserve(replicas_.size());
  for (const auto& [id, replica] : replicas_) out.push_back(replica->GetStatus());
  return out;
}

void Driver::Run() {
  SetThreadName("raft-driver-" + std::to_string(index_));
  using Clock = std::chrono::steady_clock;
  Clock::time_point next_tick = Clock::now() + tick_interval_;
  uint64_t ticks = 0;  // the clock shared by the replicas (their heartbeats align on it)
  bool more = false;
  std::vector<std::function<void()>> tasks;
  std::vector<GroupMessage> messages;
  std::vector<std::pair<uint64_t, Status>> persisted;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!more) {
        cv_.wait_until(lock, next_tick, [&] {
          return stopping_ || !tasks_.empty() || !messages_.empty() || !persisted_.empty();
        });
      }
      if (stopping_) break;
      tasks.swap(tasks_);
      messages.swap(messages_);
      inbox_bytes_ = 0;
      persisted.swap(persisted_);
    }
    for (GroupMessage& gm : messages) {
      if (Replica* replica = Touch(gm.group)) replica->Step(std::move(gm.message));
    }
    messages.clear();
    for (auto& task : tasks) task();
    tasks.clear();
    for (auto& [id, status] : persisted) OnPersisted(id, status);
    persisted.clear();
    Clock::time_point now = Clock::now();
    if (now >= next_tick) {
      ++ticks;
      for (auto& [id, replica] : replicas_) {
        replica->Tick(now, ticks);
        Touch(id);
      }
      next_tick += tick_interval_;
      if (next_tick <= now) next_tick = now + tick_interval_;  // fell behind: skip, don't burst
    }
    more = ProcessReadies();
  }

  // Stopping: finish what was queued and what is being written, then close every replica.
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks.swap(tasks_);
    messages_.clear();
  }
  for (auto& task : tasks) task();
  ProcessReadies();
  while (!in_flight_.empty()) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !persisted_.empty(); });
      persisted.swap(persisted_);
    }
    for (auto& [id, status] : persisted) OnPersisted(id, status);
    persisted.clear();
  }
  WriteBatch batch;
  Status closed = UnavailableError("raft server is shutting down");
  for (auto& [id, replica] : replicas_) replica->Close(closed, &batch);
  if (!batch.empty()) {
    Status status = store_->Write(std::move(batch));
    if (!status.ok()) {
      log::Get("raft")->warn("op=DriverStop driver={} err=\"{}\"", index_, status.ToString());
    }
  }
  replicas_.clear();
}

bool Driver::ProcessReadies() {
  std::vector<std::shared_ptr<Replica>> readied;
  std::vector<Replica*> touched;
  touched.swap(touched_);
  for (Replica* r : touched) {
    r->touched = false;
    if (r->TakeReady()) readied.push_back(replicas_.at(r->id()));
  }
  if (readied.empty()) return false;

  Outbox outbox;
  for (auto& r : readied) r->CollectMessages(/*after_persist=*/false, &outbox);
  SendAll(&outbox);

  WriteBatch batch;
  InFlight writing;
  std::vector<Replica*> done;
  for (auto& r : readied) {
    if (r->AddWrites(&batch)) {
      writing.replicas.push_back(r);
    } else {
      done.push_back(r.get());
    }
  }
  if (!writing.replicas.empty()) {
    writing.id = next_batch_++;
    uint64_t id = writing.id;
    // What may leave once the batch is durable (a follower's acknowledgements, votes) leaves
    // from the store's completion, without waiting for this thread to wake up for it.
    auto durable = std::make_shared<Outbox>();
    for (auto& r : writing.replicas) r->CollectMessages(/*after_persist=*/true, durable.get());
    in_flight_.push_back(std::move(writing));
    store_->WriteAsync(std::move(batch), [this, id, durable](Status status) {
      if (status.ok()) SendAll(durable.get());
      {
        std::lock_guard<std::mutex> lock(mu_);
        persisted_.emplace_back(id, std::move(status));
      }
      cv_.notify_one();
    });
  }
  Finish(done);
  return !touched_.empty();
}

void Driver::OnPersisted(uint64_t id, const Status& status) {
  if (!status.ok()) FatalWrite(index_, status);
  if (in_flight_.empty() || in_flight_.front().id != id) {
    FatalWrite(index_, InternalError("write " + std::to_string(id) + " completed out of order"));
  }
  InFlight batch = std::move(in_flight_.front());
  in_flight_.pop_front();
  std::vector<Replica*> durable;
  for (auto& r : batch.replicas) {
    // A replica removed meanwhile is gone for good: nothing of its Ready matters any more.
    if (Find(r->id()) == r.get()) durable.push_back(r.get());
  }
  Finish(durable);
}

void Driver::Finish(const std::vector<Replica*>& replicas) {
  if (replicas.empty()) return;
  Outbox outbox;
  for (Replica* r : replicas) r->CollectMessages(/*after_persist=*/true, &outbox);
  SendAll(&outbox);
  for (Replica* r : replicas) {
    r->Apply();
    Touch(r->id());  // Advance may have made the next Ready
  }
}

void Driver::SendAll(Outbox* outbox) {
  for (auto& [to, messages] : *outbox) {
    if (!messages.empty()) transport_->Send(to, std::move(messages));
  }
  outbox->clear();
}

}  // namespace curve::raft
