#pragma once

// Options of curve-chunkserver: one process per disk.

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"
#include "services/chunkserver/copyset/copyset_manager.h"

namespace curve::config {
class ConfigSource;
}  // namespace curve::config

namespace curve::chunkserver {

struct ChunkServerOptions {
  std::string data_dir;                   // formatted by `curve chunkserver format`
  std::string listen = "127.0.0.1:8200";  // host:port; the host must be a server's host
  std::vector<std::string> mds_addresses{"127.0.0.1:6700"};
  std::string disk_type = "ssd";  // must match the server's poolset type
  std::chrono::milliseconds heartbeat_interval{10000};
  std::chrono::milliseconds raft_tick{100};
  bool raft_sync = true;  // fdatasync the raft log (off only for tests)
  int driver_threads = 1;
  // O_DIRECT chunk files. Off by default: a committed write is applied on the raft driver
  // thread, and a buffered write there costs a copy into the page cache where an O_DIRECT one
  // waits for the device (and keeps every other copyset of the driver waiting). Durability is
  // the raft log's either way: a copyset syncs its chunk files before a snapshot lets the log
  // be compacted, and the log replays everything applied since.
  bool direct_io = false;
  CopysetOptions copyset;

  // Keys: dataDir, listen, mds.addresses, diskType, heartbeatInterval, raft.tick, raft.sync,
  // raft.driverThreads, datastore.directIo, copyset.electionTick, copyset.heartbeatTick,
  // copyset.snapshotInterval, copyset.snapshotKeepEntries.
  Status Load(config::ConfigSource& source);
};

}  // namespace curve::chunkserver
