#pragma once

// GroupStatus: what RaftGroup::GetStatus reports about one group on this node.

#include <cstdint>
#include <string>
#include <vector>

#include "raft/core/progress.h"
#include "raft/core/types.h"
#include "raft/transport/transport.h"

namespace curve::raft {

struct PeerReplication {
  NodeId id = kNoNode;
  Index match = 0;  // highest index known replicated on that peer
  Index next = 0;   // next index the leader sends it
  ProgressState state = ProgressState::kProbe;
  bool recent_active = false;
};

struct GroupStatus {
  GroupId group = 0;
  NodeId id = kNoNode;
  Role role = Role::kFollower;
  Term term = 0;
  NodeId leader = kNoNode;
  std::string leader_address;  // empty when unknown
  Index commit = 0;
  Index applied = 0;  // applied to the state machine
  Index first_index = 0;
  Index last_index = 0;
  Index snapshot_index = 0;
  Configuration config;  // the configuration in force on this node (appended, maybe uncommitted)
  // The latest committed configuration this node has applied, and the index of its entry (the
  // snapshot's index when it came with a snapshot; 0 for the bootstrap configuration). A newer
  // configuration always has a higher index than any node reports for an older one: its entry
  // is appended above every committed index, so above every snapshot.
  Configuration applied_config;
  Index applied_config_index = 0;
  std::vector<PeerReplication> peers;  // leaders only: every voter, this node included
};

}  // namespace curve::raft
