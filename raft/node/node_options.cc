#include "raft/node/node_options.h"

#include <cstdlib>

#include "common/config.h"

namespace curve::raft {

Status RaftServerOptions::Load(config::ConfigSource& source, const std::string& prefix) {
  int64_t id = static_cast<int64_t>(node_id);
  CURVE_RETURN_IF_ERROR(source.Read(prefix + "node_id", &id, 1, INT64_MAX));
  node_id = static_cast<NodeId>(id);
  CURVE_RETURN_IF_ERROR(source.Read(prefix + "listen", &listen_address));
  CURVE_RETURN_IF_ERROR(source.Read(prefix + "advertise", &advertise_address));
  CURVE_RETURN_IF_ERROR(source.Read(prefix + "data_dir", &data_dir));
  CURVE_RETURN_IF_ERROR(source.Read(prefix + "sync", &sync));
  CURVE_RETURN_IF_ERROR(source.Read(prefix + "driver_threads", &driver_threads, 1, 64));
  CURVE_RETURN_IF_ERROR(source.Read(prefix + "tick_interval", &tick_interval,
                                    std::chrono::milliseconds(1), std::chrono::minutes(1)));
  std::vector<std::string> list;
  CURVE_RETURN_IF_ERROR(source.Read(prefix + "peers", &list));
  for (const std::string& item : list) {
    size_t eq = item.find('=');
    char* end = nullptr;
    uint64_t peer = eq == std::string::npos ? 0 : std::strtoull(item.c_str(), &end, 10);
    if (peer == 0 || end != item.c_str() + eq || eq + 1 == item.size()) {
      return source.Invalid(prefix + "peers", "a list of <node id>=<host:port>");
    }
    peers[peer] = item.substr(eq + 1);
  }
  return Status::Ok();
}

Status RaftServerOptions::Validate() const {
  if (node_id == kNoNode) return InvalidArgumentError("raft server: node_id must be set (not 0)");
  if (data_dir.empty()) return InvalidArgumentError("raft server: data_dir must be set");
  if (driver_threads < 1) return InvalidArgumentError("raft server: driver_threads must be >= 1");
  if (tick_interval.count() <= 0) {
    return InvalidArgumentError("raft server: tick_interval must be positive");
  }
  if (listen_address.empty() && advertise_address.empty()) {
    return InvalidArgumentError("raft server: advertise_address is needed without listen_address");
  }
  return Status::Ok();
}

}  // namespace curve::raft
