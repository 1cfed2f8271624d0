#include "services/chunkserver/server/chunk_server_options.h"

#include "common/config.h"

namespace curve::chunkserver {

Status ChunkServerOptions::Load(config::ConfigSource& source) {
  using std::chrono::milliseconds;
  CURVE_RETURN_IF_ERROR(source.Read("dataDir", &data_dir));
  CURVE_RETURN_IF_ERROR(source.Read("listen", &listen));
  CURVE_RETURN_IF_ERROR(source.Read("mds.addresses", &mds_addresses));
  CURVE_RETURN_IF_ERROR(source.Read("diskType", &disk_type));
  CURVE_RETURN_IF_ERROR(source.Read("heartbeatInterval", &heartbeat_interval, milliseconds(10),
                                    milliseconds(600000)));
  CURVE_RETURN_IF_ERROR(source.Read("raft.tick", &raft_tick, milliseconds(1), milliseconds(10000)));
  CURVE_RETURN_IF_ERROR(source.Read("raft.sync", &raft_sync));
  CURVE_RETURN_IF_ERROR(source.Read("raft.driverThreads", &driver_threads, 1, 64));
  CURVE_RETURN_IF_ERROR(source.Read("datastore.directIo", &direct_io));
  CURVE_RETURN_IF_ERROR(source.Read("copyset.electionTick", &copyset.election_tick, 3, 1000));
  CURVE_RETURN_IF_ERROR(source.Read("copyset.heartbeatTick", &copyset.heartbeat_tick, 1, 999));
  int64_t value = static_cast<int64_t>(copyset.snapshot_interval);
  CURVE_RETURN_IF_ERROR(source.Read("copyset.snapshotInterval", &value, 0, INT64_MAX));
  copyset.snapshot_interval = static_cast<uint64_t>(value);
  value = static_cast<int64_t>(copyset.snapshot_keep_entries);
  CURVE_RETURN_IF_ERROR(source.Read("copyset.snapshotKeepEntries", &value, 0, INT64_MAX));
  copyset.snapshot_keep_entries = static_cast<uint64_t>(value);
  if (copyset.heartbeat_tick >= copyset.election_tick) {
    return source.Invalid("copyset.heartbeatTick", "fewer ticks than copyset.electionTick (" +
                                                       std::to_string(copyset.election_tick) + ")");
  }
  if (data_dir.empty()) return source.Invalid("dataDir", "the formatted data directory");
  if (listen.find(':') == std::string::npos || listen.ends_with(":0")) {
    return source.Invalid("listen", "host:port with a fixed port");
  }
  if (mds_addresses.empty()) return source.Invalid("mds.addresses", "a list of host:port");
  return Status::Ok();
}

}  // namespace curve::chunkserver
