#include "raft/node/raft_group.h"

#include <future>

#include "raft/node/driver.h"

namespace curve::raft {

namespace {

Status Gone(GroupId id) {
  return UnavailableError("raft group " + std::to_string(id) + " is not running here");
}

}  // namespace

RaftGroup::RaftGroup(GroupId id, std::shared_ptr<Driver> driver, std::shared_ptr<Replica> replica,
                     std::function<void(NodeId, const std::string&)> set_peer_address)
    : id_(id),
      driver_(std::move(driver)),
      replica_(std::move(replica)),
      set_peer_address_(std::move(set_peer_address)) {}

void RaftGroup::Run(std::function<void(Replica*)> task, std::function<void(Status)> fail) {
  // The task and its failure path share the callback; exactly one of them runs.
  auto shared_fail = std::make_shared<std::function<void(Status)>>(std::move(fail));
  bool posted = driver_->Post([this_id = id_, driver = driver_.get(), replica = replica_,
                               task = std::move(task), shared_fail] {
    if (driver->Touch(this_id) != replica.get()) {
      (*shared_fail)(Gone(this_id));
      return;
    }
    task(replica.get());
  });
  if (!posted) (*shared_fail)(Gone(id_));
}

void RaftGroup::Propose(std::string data, IndexCallback done) {
  auto shared = std::make_shared<IndexCallback>(std::move(done));
  Run([data = std::move(data),
       shared](Replica* r) mutable { r->Propose(std::move(data), std::move(*shared)); },
      [shared](Status s) { (*shared)(s); });
}

void RaftGroup::ProposeAll(std::vector<std::pair<std::string, IndexCallback>> proposals) {
  auto shared =
      std::make_shared<std::vector<std::pair<std::string, IndexCallback>>>(std::move(proposals));
  Run(
      [shared](Replica* r) {
        for (auto& [data, done] : *shared) r->Propose(std::move(data), std::move(done));
      },
      [shared](Status s) {
        for (auto& [data, done] : *shared) done(s);
      });
}

void RaftGroup::ReadBarrier(IndexCallback done) {
  auto shared = std::make_shared<IndexCallback>(std::move(done));
  Run([shared](Replica* r) { r->ReadBarrier(std::move(*shared)); },
      [shared](Status s) { (*shared)(s); });
}

void RaftGroup::TransferLeader(NodeId target, std::function<void(Status)> done) {
  auto shared = std::make_shared<std::function<void(Status)>>(std::move(done));
  Run([target, shared](Replica* r) { (*shared)(r->TransferLeader(target)); },
      [shared](Status s) { (*shared)(s); });
}

void RaftGroup::Campaign(std::function<void(Status)> done) {
  auto shared = std::make_shared<std::function<void(Status)>>(std::move(done));
  Run([shared](Replica* r) { (*shared)(r->Campaign()); }, [shared](Status s) { (*shared)(s); });
}

void RaftGroup::ChangePeers(const PeerChange& change, IndexCallback done) {
  if (!change.address.empty()) set_peer_address_(change.node, change.address);
  auto shared = std::make_shared<IndexCallback>(std::move(done));
  switch (change.kind) {
    case PeerChange::Kind::kAdd:
    case PeerChange::Kind::kRemove: {
      ConfChange cc{change.kind == PeerChange::Kind::kAdd ? ConfChangeType::kAddVoter
                                                          : ConfChangeType::kRemoveVoter,
                    change.node};
      Run([cc, shared](Replica* r) { r->ChangePeer(cc, std::move(*shared)); },
          [shared](Status s) { (*shared)(s); });
      return;
    }
    case PeerChange::Kind::kReplace: {
      // Add first; remove once the addition is committed (and the group is back to one
      // pending change at most).
      PeerChange add{PeerChange::Kind::kAdd, change.node, "", kNoNode};
      PeerChange remove{PeerChange::Kind::kRemove, change.old_node, "", kNoNode};
      ChangePeers(add, [self = shared_from_this(), node = change.node, remove,
                        shared](Result<Index> added) {
        // A retried replacement finds the new member already added: go on with the removal.
        if (!added.ok() && added.status().code() != StatusCode::kAlreadyExists) {
          (*shared)(added.status().WithContext("replace: add " + std::to_string(node)));
          return;
        }
        self->ChangePeers(remove,
                          [shared](Result<Index> removed) { (*shared)(std::move(removed)); });
      });
      return;
    }
  }
}

Result<GroupStatus> RaftGroup::GetStatus(std::chrono::milliseconds timeout) {
  if (driver_->OnDriverThread()) {
    if (driver_->Find(id_) != replica_.get()) return Gone(id_);
    return replica_->GetStatus();
  }
  auto promise = std::make_shared<std::promise<Result<GroupStatus>>>();
  std::future<Result<GroupStatus>> future = promise->get_future();
  Run([promise](Replica* r) { promise->set_value(r->GetStatus()); },
      [promise](Status s) { promise->set_value(s); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return DeadlineExceededError("raft group " + std::to_string(id_) + " status timed out");
  }
  return future.get();
}

}  // namespace curve::raft
