#pragma once

// Value types shared by every part of the raft core: identifiers, log entries, hard state,
// configurations and snapshots. Plain structs, freely copyable, no invariants beyond what each
// field's comment says.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace curve::raft {

using NodeId = uint64_t;
using Term = uint64_t;
using Index = uint64_t;

// Node id 0 is never a member: it means "nobody" (no leader known, no vote cast).
inline constexpr NodeId kNoNode = 0;

enum class EntryType : uint8_t {
  kNormal = 0,      // application data proposed through Propose
  kConfChange = 1,  // data is an encoded ConfChangeEntry (configuration.h)
  kNoop = 2,        // appended by every new leader; data is empty; applications skip it
};

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::kNormal;
  std::string data{};

  // Approximate in-memory and wire footprint, used for byte caps on batches.
  uint64_t ByteSize() const { return data.size() + 24; }

  bool operator==(const Entry&) const = default;
};

// The identity of a log position: (term, index) names at most one entry in any log.
struct EntryId {
  Term term = 0;
  Index index = 0;
  bool operator==(const EntryId&) const = default;
};

// State that must be durable before the messages that depend on it are sent.
struct HardState {
  Term term = 0;
  NodeId vote = kNoNode;
  Index commit = 0;
  bool operator==(const HardState&) const = default;
};

// The voting members of a group. `voters` is kept sorted and free of duplicates by every
// function that builds one (see configuration.h).
struct Configuration {
  std::vector<NodeId> voters;

  bool Contains(NodeId id) const;
  bool empty() const { return voters.empty(); }
  bool operator==(const Configuration&) const = default;
};

// What the core knows about a snapshot: the last entry it covers and the configuration in force
// at that entry.
struct SnapshotMeta {
  Index index = 0;
  Term term = 0;
  Configuration config;
  bool operator==(const SnapshotMeta&) const = default;
};

// A snapshot as the core moves it around. `data` is opaque to the core: the application decides
// whether it holds the state itself or a handle (e.g. a list of chunk files) that the transport
// resolves.
struct Snapshot {
  SnapshotMeta meta;
  std::string data{};
  bool operator==(const Snapshot&) const = default;
};

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };

const char* RoleName(Role role);

std::ostream& operator<<(std::ostream& os, const Configuration& config);
std::ostream& operator<<(std::ostream& os, const EntryId& id);

}  // namespace curve::raft
