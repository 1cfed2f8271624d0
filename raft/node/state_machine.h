#pragma once

// StateMachine: what an application plugs into a raft group.
//
// The application decides what a snapshot holds. SaveSnapshot returns a payload that, together
// with the application's durable files, lets LoadSnapshot rebuild the state: a key/value store
// may return its whole content; a chunkserver returns the list of its chunk files (so chunk data
// is never copied into the log) and streams the files themselves through OpenSnapshotReader /
// OpenSnapshotWriter when a follower needs them.
//
// Threading: Apply, SaveSnapshot, LoadSnapshot and the On* notifications run on the group's
// driver thread, one at a time, and must not block for long (the driver serves other groups)
// nor call RaftGroup::GetStatus (it would wait for itself; every other RaftGroup call is fine).
// OpenSnapshotReader and OpenSnapshotWriter run on transport threads, concurrently with the
// others, and may block.

#include <memory>
#include <string>

#include "common/result.h"
#include "common/status.h"
#include "raft/core/types.h"
#include "raft/transport/transport.h"

namespace curve::raft {

class StateMachine {
 public:
  virtual ~StateMachine() = default;

  // Applies the committed entry at `index` (application data as proposed). Called exactly once
  // per entry in index order, except that entries covered by a snapshot loaded meanwhile are
  // skipped. Entries are durable on a majority when applied.
  virtual void Apply(Index index, const std::string& data) = 0;

  // The payload of a snapshot of the state as of the last applied entry.
  virtual Result<std::string> SaveSnapshot() = 0;

  // Replaces the whole state by the snapshot's: `data` is what SaveSnapshot returned (on this
  // node earlier, or on the leader). Called at startup for the latest local snapshot and when a
  // follower installs one from its leader (after OpenSnapshotWriter's staging finished). An error
  // is fatal for the process: the group cannot continue without its state.
  virtual Status LoadSnapshot(const SnapshotMeta& meta, const std::string& data) = 0;

  // Extra payload streamed to a follower with `snapshot` (e.g. chunk files); nullptr for none.
  virtual Result<std::unique_ptr<SnapshotReader>> OpenSnapshotReader(const Snapshot& snapshot) {
    return std::unique_ptr<SnapshotReader>();
  }
  // Where to stage that payload on the follower before LoadSnapshot; nullptr to discard it.
  virtual Result<std::unique_ptr<SnapshotWriter>> OpenSnapshotWriter(NodeId from,
                                                                     const SnapshotMeta& meta) {
    return std::unique_ptr<SnapshotWriter>();
  }

  // This node's role or the known leader changed.
  virtual void OnRoleChange(Role role, Term term, NodeId leader) {}
  // A configuration change was applied (or loaded from a snapshot).
  virtual void OnConfigurationChange(const Configuration& config) {}
};

}  // namespace curve::raft
