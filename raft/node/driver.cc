#include "raft/node/driver.h"

#include <cstdlib>

#include "common/logging.h"

namespace curve::raft {

Driver::Driver(int index, std::chrono::milliseconds tick_interval, Transport* transport,
               LogStore* store)
    : index_(index), tick_interval_(tick_interval), transport_(transport), store_(store) {}

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
    if (messages_.empty()) {
      messages_.swap(messages);
    } else {
      for (GroupMessage& gm : messages) messages_.push_back(std::move(gm));
    }
  }
  cv_.notify_one();
}

void Driver::AddReplica(std::shared_ptr<Replica> replica) {
  GroupId id = replica->id();
  replicas_[id] = std::move(replica);
}

void Driver::RemoveReplica(GroupId group, const Status& status) {
  auto it = replicas_.find(group);
  if (it == replicas_.end()) return;
  WriteBatch ignored;  // the group's log is going away or stays as it is
  it->second->Close(status, &ignored);
  replicas_.erase(it);
}

Replica* Driver::Find(GroupId group) {
  auto it = replicas_.find(group);
  return it == replicas_.end() ? nullptr : it->second.get();
}

void Driver::Run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point next_tick = Clock::now() + tick_interval_;
  bool more = false;
  std::vector<std::function<void()>> tasks;
  std::vector<GroupMessage> messages;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!more) {
        cv_.wait_until(lock, next_tick,
                       [&] { return stopping_ || !tasks_.empty() || !messages_.empty(); });
      }
      if (stopping_) break;
      tasks.swap(tasks_);
      messages.swap(messages_);
    }
    for (GroupMessage& gm : messages) {
      if (Replica* replica = Find(gm.group)) replica->Step(std::move(gm.message));
    }
    messages.clear();
    for (auto& task : tasks) task();
    tasks.clear();
    Clock::time_point now = Clock::now();
    if (now >= next_tick) {
      for (auto& [id, replica] : replicas_) replica->Tick(now);
      next_tick += tick_interval_;
      if (next_tick <= now) next_tick = now + tick_interval_;  // fell behind: skip, don't burst
    }
    more = ProcessReadies();
  }

  // Stopping: finish what was queued, then close every replica.
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks.swap(tasks_);
    messages_.clear();
  }
  for (auto& task : tasks) task();
  ProcessReadies();
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
  readied_.clear();
  for (auto& [id, replica] : replicas_) {
    if (replica->TakeReady()) readied_.push_back(replica.get());
  }
  if (readied_.empty()) return false;

  Outbox outbox;
  for (Replica* r : readied_) r->CollectMessages(/*after_persist=*/false, &outbox);
  SendAll(&outbox);

  WriteBatch batch;
  bool sync = false;
  for (Replica* r : readied_) sync |= r->AddWrites(&batch);
  if (sync) {
    Status status = store_->Write(std::move(batch));
    if (!status.ok()) {
      // Nothing this driver would send or apply next can be trusted without its log.
      auto logger = log::Get("raft");
      logger->critical("op=PersistReady driver={} err=\"{}\"", index_, status.ToString());
      logger->flush();
      std::abort();
    }
  }

  for (Replica* r : readied_) r->CollectMessages(/*after_persist=*/true, &outbox);
  SendAll(&outbox);

  bool more = false;
  for (Replica* r : readied_) {
    r->Apply();
    more = more || r->HasReady();
  }
  return more;
}

void Driver::SendAll(Outbox* outbox) {
  for (auto& [to, messages] : *outbox) {
    if (!messages.empty()) transport_->Send(to, std::move(messages));
  }
  outbox->clear();
}

}  // namespace curve::raft
